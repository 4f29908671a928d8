"""Installment use cases: reschedule one, read its history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from uuid import UUID

from app.domain.errors import IllegalStateTransition, NotFound, ValidationFailed
from app.domain.events import EventType
from app.domain.receivables.contracts import (
    ChangeKind,
    Contract,
    InstallmentChange,
    InstallmentState,
    reschedule,
)
from app.domain.receivables.installments import InstallmentStatus
from app.domain.receivables.plans import PlanChange
from app.services.context import Context
from app.services.receivables.contract_documents import InstallmentDocument
from app.services.receivables.contracts import history_entry, view_of
from app.services.receivables.ports import ReceivablesUnitOfWork

MAX_REASON_LENGTH = 2000


def subject(installment_id: UUID) -> str:
    return f"installments/{installment_id}"


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def valid_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise ValidationFailed("reason must not be empty", ("reason",))
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationFailed(f"reason is longer than {MAX_REASON_LENGTH} characters", ("reason",))
    return text


async def reschedule_installment(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    contract: Contract,
    installment_id: UUID,
    due_date: date,
    reason: str,
) -> tuple[Contract, InstallmentDocument]:
    """Move the due date of an installment of ``contract`` (as ``locked_contract`` locked
    it), keep the change in its history and emit ``installment.rescheduled``.

    Returns the contract and the installment's document.
    """
    why = valid_reason(reason)
    now = ctx.clock.now()
    today = ctx.clock.today()
    before, after = reschedule(contract, installment_id, due_date)
    view = await view_of(uow, contract, today)
    figures = view.figures(before)
    if figures.status in {InstallmentStatus.PAID, InstallmentStatus.WRITTEN_OFF}:
        raise IllegalStateTransition(f"a {figures.status.value} installment is settled")
    plan = tuple(after if i.id == installment_id else i for i in contract.installments)
    updated = replace(contract, installments=plan, updated_at=now, version=contract.version + 1)
    await uow.contracts.save(updated, expected_version=contract.version)
    await uow.contracts.save_plan(PlanChange(plan, (), ((before, after),), (), False), now)
    entry = history_entry(
        ctx,
        ChangeKind.RESCHEDULED,
        contract.id,
        installment_id,
        InstallmentState.of(before),
        InstallmentState.of(after),
        why,
    )
    await uow.contracts.add_history([entry])
    document = replace(view, contract=updated).installment_document(after)
    data = {
        "object": document,
        "changes": {"due_date": {"from": _iso(before.due_date), "to": _iso(after.due_date)}},
        "reason": why,
    }
    uow.add_event(ctx.event(EventType.INSTALLMENT_RESCHEDULED, subject(installment_id), data))
    return updated, document


async def installment_history(
    uow: ReceivablesUnitOfWork, contract_id: UUID, installment_id: UUID
) -> Sequence[InstallmentChange]:
    """Every change of the installment, oldest first (removed installments keep theirs)."""
    contract = await uow.contracts.get(contract_id)
    if contract is None:
        raise NotFound("contract", contract_id)
    entries = await uow.contract_queries.history(installment_id)
    if not entries or entries[0].contract_id != contract_id:
        raise NotFound("installment", installment_id)
    return entries

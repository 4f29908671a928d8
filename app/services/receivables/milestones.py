"""Milestone use cases: list a contract's milestones, reach one, unreach one.

Reaching or unreaching changes the milestone, the due dates of the installments that
depend on it, their history and the events, in the caller's one transaction: a failure
anywhere leaves no due date and no event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from app.domain.errors import NotFound
from app.domain.events import EventType
from app.domain.evidence import EvidenceLink
from app.domain.receivables.contracts import ChangeKind, Contract, InstallmentState
from app.domain.receivables.milestones import Milestone
from app.domain.receivables.payment_nodes import MilestoneChange, dependents, reach, unreach
from app.domain.receivables.plans import PlanChange
from app.services.context import Context
from app.services.receivables.contract_documents import MilestoneDocument, milestone_document
from app.services.receivables.contracts import history_entry, view_of
from app.services.receivables.installments import subject as installment_subject
from app.services.receivables.installments import valid_reason
from app.services.receivables.ports import ReceivablesUnitOfWork


def subject(contract_id: UUID, key: str) -> str:
    return f"contracts/{contract_id}/milestones/{key}"


async def list_milestones(uow: ReceivablesUnitOfWork, contract_id: UUID) -> Sequence[Milestone]:
    contract = await uow.contracts.get(contract_id)
    if contract is None:
        raise NotFound("contract", contract_id)
    return contract.milestones


async def _save(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    current: Contract,
    change: MilestoneChange,
    kind: ChangeKind,
    reason: str | None,
) -> Contract:
    now = ctx.clock.now()
    updated = replace(change.contract, updated_at=now, version=current.version + 1)
    await uow.contracts.save(updated, expected_version=current.version)
    await uow.contracts.save_milestones(updated)
    if change.installments:
        pairs = change.installments
        plan = PlanChange(updated.installments, (), pairs, (), False)
        await uow.contracts.save_plan(plan, now)
        await uow.contracts.add_history(
            [
                history_entry(
                    ctx,
                    kind,
                    current.id,
                    after.id,
                    InstallmentState.of(before),
                    InstallmentState.of(after),
                    reason,
                )
                for before, after in pairs
            ]
        )
    return updated


async def reach_milestone(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    current: Contract,
    key: str,
    reached_on: date,
    evidence: Sequence[EvidenceLink] = (),
) -> tuple[Contract, MilestoneDocument]:
    """Reach ``key`` of ``current`` (locked): every dependent installment gets its due
    date; emits ``milestone.reached`` and one ``installment.due_date_set`` each."""
    change = reach(current, key, reached_on, evidence)
    updated = await _save(uow, ctx, current, change, ChangeKind.DUE_DATE_SET, None)
    view = await view_of(uow, updated, ctx.clock.today())
    document = milestone_document(change.after)
    installments = [view.installment_document(after) for _, after in change.installments]
    data: dict[str, Any] = {
        "object": document,
        "contract_id": str(current.id),
        "installments": installments,
    }
    uow.add_event(ctx.event(EventType.MILESTONE_REACHED, subject(current.id, key), data))
    for item in installments:
        event = {"object": item, "milestone": key, "reached_on": reached_on.isoformat()}
        uow.add_event(
            ctx.event(
                EventType.INSTALLMENT_DUE_DATE_SET, installment_subject(UUID(item["id"])), event
            )
        )
    return updated, document


async def unreach_milestone(
    uow: ReceivablesUnitOfWork, ctx: Context, current: Contract, key: str, reason: str
) -> tuple[Contract, MilestoneDocument]:
    """Undo reaching ``key`` (a mistaken entry): 409 while an invoice or a payment hangs on
    a dependent installment. Emits ``milestone.unreached`` and one
    ``installment.due_date_cleared`` per installment."""
    why = valid_reason(reason)
    ids = [i.id for i in dependents(current, key)]
    locked = await uow.contracts.lock_installments(ids)
    ledgers = await uow.invoice_queries.installment_ledgers(
        [i.id for i in locked], ctx.clock.today()
    )
    change = unreach(current, key, ledgers)
    updated = await _save(uow, ctx, current, change, ChangeKind.DUE_DATE_CLEARED, why)
    view = await view_of(uow, updated, ctx.clock.today())
    document = milestone_document(change.after)
    installments = [view.installment_document(after) for _, after in change.installments]
    data: dict[str, Any] = {
        "object": document,
        "contract_id": str(current.id),
        "reached_on": change.before.reached_on.isoformat() if change.before.reached_on else None,
        "installments": installments,
        "reason": why,
    }
    uow.add_event(ctx.event(EventType.MILESTONE_UNREACHED, subject(current.id, key), data))
    for item in installments:
        event = {"object": item, "milestone": key, "reason": why}
        uow.add_event(
            ctx.event(
                EventType.INSTALLMENT_DUE_DATE_CLEARED,
                installment_subject(UUID(item["id"])),
                event,
            )
        )
    return updated, document

"""Risk flag use cases for people: raise, change, resolve, dismiss, read and list.

Flags raised by the service's own rules come from ``app/services/collection/risk_rules.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from app.domain.collection.risk import (
    RiskFlag,
    RiskKind,
    RiskSource,
    RiskStatus,
    Severity,
    Subject,
    SubjectType,
    change_flag,
    close_flag,
)
from app.domain.errors import NotFound, StaleVersion, UnknownReference
from app.domain.events import EventType
from app.services.collection.ports import CollectionUnitOfWork, RiskFlagFilter
from app.services.collection.risk_rules import emit_flag_event
from app.services.context import Context
from app.services.documents import jsonable
from app.services.pagination import Page, PageRequest, make_page


@dataclass(frozen=True, slots=True)
class NewRiskFlag:
    subject: Subject
    kind: RiskKind
    severity: Severity
    description: str | None = None
    mitigation_plan: str | None = None
    owner: str | None = None


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


async def subject_customer(uow: CollectionUnitOfWork, subject: Subject) -> UUID:
    """The customer a subject belongs to; 422 when the subject does not exist."""
    customer_id: UUID | None = None
    if subject.type is SubjectType.CUSTOMER:
        customer = await uow.customers.get(subject.id)
        customer_id = customer.id if customer else None
    elif subject.type is SubjectType.CONTRACT:
        contract = await uow.contracts.get(subject.id)
        customer_id = contract.customer_id if contract else None
    else:
        invoice = await uow.invoices.get(subject.id)
        customer_id = invoice.customer_id if invoice else None
    if customer_id is None:
        raise UnknownReference(subject.type.value, subject.id, ("subject", "id"))
    return customer_id


async def create_risk_flag(uow: CollectionUnitOfWork, ctx: Context, cmd: NewRiskFlag) -> RiskFlag:
    """Raise a flag by hand and emit ``risk.raised``; 409 when the subject already has an
    active flag of that kind (change that one instead)."""
    now = ctx.clock.now()
    flag = RiskFlag(
        id=ctx.ids.new_id(),
        subject=cmd.subject,
        customer_id=await subject_customer(uow, cmd.subject),
        kind=cmd.kind,
        severity=cmd.severity,
        source=RiskSource.USER,
        description=_clean(cmd.description),
        mitigation_plan=_clean(cmd.mitigation_plan),
        owner=_clean(cmd.owner),
        created_at=now,
        updated_at=now,
    )
    await uow.risk_flags.add(flag)
    emit_flag_event(uow, ctx, EventType.RISK_RAISED, flag)
    return flag


async def _current(
    uow: CollectionUnitOfWork, flag_id: UUID, expected_version: int | None
) -> RiskFlag:
    flag = await uow.risk_flags.get(flag_id)
    if flag is None:
        raise NotFound("risk flag", flag_id)
    if expected_version is not None and expected_version != flag.version:
        raise StaleVersion("risk flag", expected_version, flag.version)
    return flag


def _changes(changed: dict[str, tuple[Any, Any]]) -> dict[str, Any]:
    def wire(value: Any) -> Any:
        return value.label if isinstance(value, Severity) else jsonable(value)

    return {k: {"from": wire(a), "to": wire(b)} for k, (a, b) in changed.items()}


async def update_risk_flag(
    uow: CollectionUnitOfWork,
    ctx: Context,
    flag_id: UUID,
    values: dict[str, Any],
    expected_version: int | None = None,
) -> RiskFlag:
    """Change an active flag; emits ``risk.escalated`` when the severity rises, else
    ``risk.updated``."""
    for name in ("description", "mitigation_plan", "owner"):
        if name in values:
            values = {**values, name: _clean(values[name])}
    flag = await _current(uow, flag_id, expected_version)
    updated, changed = change_flag(flag, values, ctx.clock.now())
    if not changed:
        return flag
    await uow.risk_flags.save(updated, expected_version=flag.version)
    rose = "severity" in changed and updated.severity > flag.severity
    emit_flag_event(
        uow,
        ctx,
        EventType.RISK_ESCALATED if rose else EventType.RISK_UPDATED,
        updated,
        changes=_changes(changed),
    )
    return updated


async def close_risk_flag(
    uow: CollectionUnitOfWork,
    ctx: Context,
    flag_id: UUID,
    status: RiskStatus,
    note: str,
    expected_version: int | None = None,
) -> RiskFlag:
    """Resolve or dismiss an active flag with a note; emits ``risk.resolved`` (its
    ``data.object.status`` says ``resolved`` or ``dismissed``)."""
    flag = await _current(uow, flag_id, expected_version)
    closed = close_flag(flag, status, note, ctx.clock.now())
    await uow.risk_flags.save(closed, expected_version=flag.version)
    emit_flag_event(uow, ctx, EventType.RISK_RESOLVED, closed, note=closed.resolution_note)
    return closed


async def get_risk_flag(uow: CollectionUnitOfWork, flag_id: UUID) -> RiskFlag:
    return await _current(uow, flag_id, None)


async def list_risk_flags(
    uow: CollectionUnitOfWork, filters: RiskFlagFilter, page: PageRequest
) -> Page[RiskFlag]:
    rows = await uow.risk_flag_queries.list(filters, page)
    return make_page(rows, page, key=lambda f: (str(f.id),))

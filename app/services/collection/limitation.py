"""Limitation periods of open receivables: an invoice's period and its history of
interruptions, the receivables expiring within some days (the report, the progress
review), and the ``limitation-check`` job.

The job reads the invoices whose check day has come (``limitation_check_on``) or, never
looked at, whose due date puts them within the widest threshold; for each it records a
finding per threshold reached in the running period (the key holds the period's start, so
an interruption re-arms every threshold), emits ``invoice.limitation_expiring`` for the
narrowest new one, raises the ``legal`` flag from the second threshold on, and stores the
day of the next threshold. Its cost follows what newly nears a threshold, not the book.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from app.domain.collection.limitation import (
    RULE,
    Period,
    ReceivableKind,
    latest_start_to_check,
    legal_severity,
    next_check_on,
    period,
    thresholds_reached,
)
from app.domain.collection.risk import RiskKind, Severity, Subject, SubjectType
from app.domain.errors import NotFound
from app.domain.events import EventType
from app.domain.findings import Finding, FindingKind, finding
from app.services.collection.paper_trail_ports import (
    LimitationChecked,
    LimitationJobUnitOfWork,
    LimitationJobUnitOfWorkFactory,
    LimitationReader,
    PaperTrailUnitOfWork,
    Receivable,
)
from app.services.collection.risk_rules import RuleFlag, raise_flags
from app.services.context import Context
from app.services.jobs import Emitter, JobParams, JobResult, in_batches

RULE_LIMITATION = RULE
NEVER = date.max


@dataclass(frozen=True, slots=True)
class Limitation:
    receivable: Receivable
    period: Period

    def document(self, today: date) -> dict[str, Any]:
        r, p = self.receivable, self.period
        return {
            "kind": r.kind.value,
            "id": str(r.id),
            "customer_id": str(r.customer_id),
            "customer_name": r.customer_name,
            "ref": r.ref,
            "due_date": r.due_date.isoformat(),
            "currency": r.outstanding.currency,
            "outstanding": r.outstanding.to_wire(),
            "limitation": period_document(p),
            "days_left": p.days_left(today),
            "expired": p.expired(today),
        }


def period_document(p: Period) -> dict[str, Any]:
    last = p.last_interruption
    return {
        "starts_on": p.starts_on.isoformat(),
        "expires_on": p.expires_on.isoformat(),
        "last_interruption": None if last is None else last.document(),
    }


def _limitation(ctx: Context, receivable: Receivable) -> Limitation:
    interruptions = [receivable.last_interruption] if receivable.last_interruption else []
    return Limitation(receivable, period(receivable.due_date, interruptions, ctx.limitation_years))


async def invoice_limitation(
    uow: PaperTrailUnitOfWork, ctx: Context, invoice_id: UUID
) -> dict[str, Any]:
    """The invoice's running period (null once it is paid, void or written off) and every
    interruption that reached it, oldest first."""
    invoice = await uow.invoices.get(invoice_id)
    if invoice is None:
        raise NotFound("invoice", invoice_id)
    zone = ctx.clock.zone.key
    history = await uow.limitation.history(invoice_id, zone)
    today = ctx.clock.today()
    running = period(invoice.due_date, history, ctx.limitation_years) if invoice.payable else None
    return {
        "invoice_id": str(invoice.id),
        "status": invoice.status.value,
        "due_date": invoice.due_date.isoformat(),
        "limitation": None if running is None else period_document(running),
        "days_left": None if running is None else running.days_left(today),
        "expired": None if running is None else running.expired(today),
        "interruptions": [i.document() for i in history],
    }


async def expiring(
    uow: LimitationReader,
    ctx: Context,
    within_days: int,
    as_of: date | None = None,
    customer_id: UUID | None = None,
) -> list[Limitation]:
    """Open receivables whose period ends within ``within_days`` of ``as_of`` (default
    today), expired ones included, soonest first."""
    day = as_of or ctx.clock.today()
    horizon = day + timedelta(days=within_days)
    # Interruptions only lengthen a period: one due later cannot end by the horizon.
    due_by = latest_start_to_check(horizon, 0, ctx.limitation_years)
    rows = await uow.limitation.receivables(
        ctx.clock.zone.key, customer_id=customer_id, due_by=due_by
    )
    found = [_limitation(ctx, r) for r in rows]
    near = [f for f in found if f.period.expires_on <= horizon]
    return sorted(near, key=lambda f: (f.period.expires_on, f.receivable.ref, str(f.receivable.id)))


# What the check finds and emits, and where it raises the ``legal`` flag, per kind of
# receivable (a flag's subject is never an installment: its contract carries it).
_FINDING = {
    ReceivableKind.INVOICE: FindingKind.INVOICE_LIMITATION_EXPIRING,
    ReceivableKind.INSTALLMENT: FindingKind.INSTALLMENT_LIMITATION_EXPIRING,
}
_EVENT = {
    ReceivableKind.INVOICE: EventType.INVOICE_LIMITATION_EXPIRING,
    ReceivableKind.INSTALLMENT: EventType.INSTALLMENT_LIMITATION_EXPIRING,
}
_SUBJECT = {ReceivableKind.INVOICE: "invoices", ReceivableKind.INSTALLMENT: "installments"}


async def run_limitation_check(
    uow: LimitationJobUnitOfWorkFactory, ctx: Context, params: JobParams
) -> JobResult:
    """Invoices first, then installments no invoice covers, each in batches."""
    today = ctx.clock.today()
    latest_due = latest_start_to_check(today, max(ctx.limitation_warn_days), ctx.limitation_years)
    zone = ctx.clock.zone.key

    async def invoices(work: LimitationJobUnitOfWork) -> tuple[int, JobResult]:
        rows = await work.limitation.lock_invoices_to_check(
            latest_due, today, params.batch_size, zone
        )
        return len(rows), await _check(work, ctx, rows)

    async def installments(work: LimitationJobUnitOfWork) -> tuple[int, JobResult]:
        rows = await work.limitation.lock_installments_to_check(
            latest_due, today, params.batch_size, zone
        )
        return len(rows), await _check(work, ctx, rows)

    first = await in_batches(uow, params.batch_size, invoices)
    return first + await in_batches(uow, params.batch_size, installments)


async def _check(
    work: LimitationJobUnitOfWork, ctx: Context, rows: Sequence[Receivable]
) -> JobResult:
    today, warn = ctx.clock.today(), ctx.limitation_warn_days
    found: list[Finding] = []
    flags: list[RuleFlag] = []
    checked: list[LimitationChecked] = []
    reached_of: list[tuple[Limitation, list[int]]] = []
    for row in rows:
        if row.invoiced:  # its invoice carries it now
            checked.append(LimitationChecked(row.kind, row.id, row.due_date, NEVER))
            continue
        item = _limitation(ctx, row)
        reached = thresholds_reached(item.period, warn, today)
        start = item.period.starts_on
        found += [finding(_FINDING[row.kind], row.id, start, days) for days in reached]
        reached_of.append((item, reached))
        severity = legal_severity(len(reached), item.period.expired(today))
        if severity is not None:
            flags.append(_legal_flag(item, severity, today))
        following = next_check_on(item.period, warn, today)
        if following is None and not item.period.expired(today):
            following = item.period.expires_on + timedelta(days=1)  # to flag it expired
        checked.append(LimitationChecked(row.kind, row.id, row.due_date, following or NEVER))
    new = await work.findings.record(found, ctx.clock.now())
    events = Emitter(work, ctx)
    for item, reached in reached_of:
        r = item.receivable
        since = item.period.starts_on.isoformat()
        fresh = [d for d in reached if (_FINDING[r.kind].value, r.id, f"{since}:{d}") in new]
        if fresh:
            data = {"object": item.document(today), "threshold_days": min(fresh)}
            events.emit(_EVENT[r.kind], f"{_SUBJECT[r.kind]}/{r.id}", data)
    raised = await raise_flags(work, ctx, flags)
    events.counted(len(raised))
    await work.limitation.finish_checks(checked)
    return JobResult(len(rows), len(new), events.count)


def _legal_flag(item: Limitation, severity: Severity, today: date) -> RuleFlag:
    r, p = item.receivable, item.period
    state = "expired on" if p.expired(today) else "expires on"
    if r.kind is ReceivableKind.INSTALLMENT and r.contract_id is not None:
        subject = Subject(SubjectType.CONTRACT, r.contract_id)
    else:
        subject = Subject(SubjectType.INVOICE, r.id)
    return RuleFlag(
        subject=subject,
        customer_id=r.customer_id,
        kind=RiskKind.LEGAL,
        severity=severity,
        rule=RULE_LIMITATION,
        description=(
            f"the limitation period of {r.kind.value} {r.ref} ({r.outstanding} outstanding) "
            f"{state} {p.expires_on}: send a demand with evidence, obtain a confirmation or "
            "file an action"
        ),
    )

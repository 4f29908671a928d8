"""Risk rules: flags raised by the service itself, inside the transaction of the change that
triggers them (a payment, an invoice, a dispute, a customer's credit limit).

Each helper runs inside an open unit of work and never commits. A rule raises through
:func:`raise_flag`: a new flag (``risk.raised``) or, when the subject already has an
active flag of the kind, that flag's severity raised (``risk.escalated``), never a second
flag. The scheduler's rules (overdue, broken promises) use it too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from app.domain.collection.risk import (
    DISPUTE_SEVERITY,
    AllocationOutcome,
    RiskFlag,
    RiskKind,
    RiskSource,
    RiskStatus,
    Severity,
    Subject,
    SubjectType,
    amount_mismatch_severity,
    close_flag,
    credit_severity,
    needs_mismatch_check,
)
from app.domain.customers.events import CreditExposureChanged, CreditExposuresChanged
from app.domain.events import EventType
from app.domain.receivables.events import InvoiceDisputed, InvoiceDisputeResolved, PaymentAllocated
from app.domain.receivables.invoices import Invoice
from app.domain.receivables.payments import Payment
from app.services.collection.documents import risk_flag_document
from app.services.collection.ports import CollectionUnitOfWork, RuleRaise
from app.services.context import Context
from app.services.receivables.ports import CreditExposure

RULE_AMOUNT_MISMATCH = "amount_mismatch"
RULE_CREDIT_LIMIT = "credit_limit"
RULE_DISPUTE = "dispute"


def flag_subject(flag_id: UUID) -> str:
    return f"risk-flags/{flag_id}"


def emit_flag_event(
    uow: CollectionUnitOfWork, ctx: Context, type_: EventType, flag: RiskFlag, **extra: Any
) -> None:
    data = {"object": risk_flag_document(flag), **extra}
    uow.add_event(ctx.event(type_, flag_subject(flag.id), data))


@dataclass(frozen=True, slots=True)
class RuleFlag:
    """A rule's wish to see ``subject`` flagged ``kind`` at ``severity`` at least."""

    subject: Subject
    customer_id: UUID
    kind: RiskKind
    severity: Severity
    rule: str
    description: str


def _new_flag(ctx: Context, wanted: RuleFlag) -> RiskFlag:
    now = ctx.clock.now()
    return RiskFlag(
        id=ctx.ids.new_id(),
        subject=wanted.subject,
        customer_id=wanted.customer_id,
        kind=wanted.kind,
        severity=wanted.severity,
        source=RiskSource.RULE,
        rule=wanted.rule,
        description=wanted.description,
        created_at=now,
        updated_at=now,
    )


def _announce(uow: CollectionUnitOfWork, ctx: Context, result: RuleRaise, rule: str) -> None:
    if result.previous is None:
        emit_flag_event(uow, ctx, EventType.RISK_RAISED, result.flag)
    else:
        changes = {"severity": {"from": result.previous.label, "to": result.flag.severity.label}}
        emit_flag_event(uow, ctx, EventType.RISK_ESCALATED, result.flag, changes=changes, rule=rule)


async def raise_flag(
    uow: CollectionUnitOfWork,
    ctx: Context,
    *,
    subject: Subject,
    customer_id: UUID,
    kind: RiskKind,
    severity: Severity,
    rule: str,
    description: str,
) -> RuleRaise | None:
    """Raise a flag by rule (see the module docstring); None when nothing changed."""
    wanted = RuleFlag(subject, customer_id, kind, severity, rule, description)
    result = await uow.risk_flags.raise_by_rule(_new_flag(ctx, wanted))
    if result is not None:
        _announce(uow, ctx, result, rule)
    return result


async def raise_flags(
    uow: CollectionUnitOfWork, ctx: Context, wanted: Sequence[RuleFlag]
) -> list[RuleRaise]:
    """:func:`raise_flag` for many subjects in one statement (the scheduler's rules). Of two
    wishes for one subject and kind, the more severe counts. Returns what changed."""
    strongest: dict[tuple[Subject, RiskKind], RuleFlag] = {}
    for item in wanted:
        key = (item.subject, item.kind)
        if key not in strongest or item.severity > strongest[key].severity:
            strongest[key] = item
    if not strongest:
        return []
    rules = {key: item.rule for key, item in strongest.items()}
    results = await uow.risk_flags.raise_many_by_rule(
        [_new_flag(ctx, item) for item in strongest.values()]
    )
    for result in results:
        _announce(uow, ctx, result, rules[(result.flag.subject, result.flag.kind)])
    return list(results)


async def check_credit(
    uow: CollectionUnitOfWork, ctx: Context, customer_id: UUID
) -> RuleRaise | None:
    """``credit``: the customer's outstanding (in its own currency) above its credit limit."""
    exposure = await uow.invoice_queries.credit_exposure(customer_id)
    return await _judge_credit(uow, ctx, customer_id, exposure)


async def check_credit_many(
    uow: CollectionUnitOfWork, ctx: Context, customer_ids: Sequence[UUID]
) -> None:
    """:func:`check_credit` for many customers: their exposures in one statement."""
    exposures = await uow.invoice_queries.credit_exposures(customer_ids)
    for customer_id in customer_ids:
        if customer_id in exposures:
            await _judge_credit(uow, ctx, customer_id, exposures[customer_id])


async def _judge_credit(
    uow: CollectionUnitOfWork, ctx: Context, customer_id: UUID, exposure: CreditExposure | None
) -> RuleRaise | None:
    if exposure is None or exposure.credit_limit is None:
        return None
    severity = credit_severity(exposure.outstanding, exposure.credit_limit)
    if severity is None:
        return None
    return await raise_flag(
        uow,
        ctx,
        subject=Subject(SubjectType.CUSTOMER, customer_id),
        customer_id=customer_id,
        kind=RiskKind.CREDIT,
        severity=severity,
        rule=RULE_CREDIT_LIMIT,
        description=(
            f"outstanding {exposure.outstanding} is above the credit limit {exposure.credit_limit}"
        ),
    )


async def check_amount_mismatch(
    uow: CollectionUnitOfWork, ctx: Context, payment: Payment, candidates: Mapping[UUID, Invoice]
) -> RuleRaise | None:
    """``amount_mismatch``: an automatically allocated payment whose amount equals no open
    invoice's outstanding and that was spread over several invoices or left (partly)
    unallocated. ``candidates`` are the invoices allocation looked at, as they were before.

    A payment that went to one invoice whole never gets here without a query; otherwise
    the invoices allocation did not look at are checked in one statement.
    """
    paid = {a.invoice_id for a in payment.active_allocations}
    if not needs_mismatch_check(len(paid), payment.unallocated_amount):
        return None
    matches = any(i.outstanding == payment.amount for i in candidates.values())
    if not matches:
        matches = await uow.invoice_queries.any_open_with_outstanding(
            payment.customer_id, payment.amount, excluding=candidates.keys()
        )
    outcome = AllocationOutcome(
        amount=payment.amount,
        invoices_paid=len(paid),
        unallocated=payment.unallocated_amount,
        matches_an_open_invoice=matches,
    )
    severity = amount_mismatch_severity(outcome)
    if severity is None:
        return None
    name = payment.external_id or str(payment.id)
    return await raise_flag(
        uow,
        ctx,
        subject=Subject(SubjectType.CUSTOMER, payment.customer_id),
        customer_id=payment.customer_id,
        kind=RiskKind.AMOUNT_MISMATCH,
        severity=severity,
        rule=RULE_AMOUNT_MISMATCH,
        description=(
            f"payment {name} of {payment.amount} matches no open invoice: allocated to "
            f"{len(paid)} invoice(s), {payment.unallocated_amount} left unallocated"
        ),
    )


async def flag_dispute(
    uow: CollectionUnitOfWork, ctx: Context, invoice: Invoice
) -> RuleRaise | None:
    """``dispute``: an invoice was disputed."""
    return await raise_flag(
        uow,
        ctx,
        subject=Subject(SubjectType.INVOICE, invoice.id),
        customer_id=invoice.customer_id,
        kind=RiskKind.DISPUTE,
        severity=DISPUTE_SEVERITY,
        rule=RULE_DISPUTE,
        description=f"invoice {invoice.external_id or invoice.id} disputed: "
        f"{invoice.dispute_reason or 'no reason given'}",
    )


async def resolve_dispute_flag(
    uow: CollectionUnitOfWork, ctx: Context, invoice: Invoice, note: str | None
) -> RiskFlag | None:
    """The invoice's dispute was resolved: so is its active ``dispute`` flag, if any."""
    flag = await uow.risk_flags.active(Subject(SubjectType.INVOICE, invoice.id), RiskKind.DISPUTE)
    if flag is None:
        return None
    text = (note or "").strip() or "the invoice's dispute was resolved"
    resolved = close_flag(flag, RiskStatus.RESOLVED, text, ctx.clock.now())
    await uow.risk_flags.save(resolved, expected_version=flag.version)
    emit_flag_event(uow, ctx, EventType.RISK_RESOLVED, resolved)
    return resolved


# --- Reactions to other contexts' events (the handler table: app/services/reactions.py) ---


async def on_credit_exposure_changed(
    uow: CollectionUnitOfWork, ctx: Context, event: CreditExposureChanged
) -> None:
    await check_credit(uow, ctx, event.customer_id)


async def on_credit_exposures_changed(
    uow: CollectionUnitOfWork, ctx: Context, event: CreditExposuresChanged
) -> None:
    await check_credit_many(uow, ctx, event.customer_ids)


async def on_payment_allocated(
    uow: CollectionUnitOfWork, ctx: Context, event: PaymentAllocated
) -> None:
    """``amount_mismatch`` is judged for automatic allocations at recording only."""
    if event.looked_at is not None:
        await check_amount_mismatch(uow, ctx, event.payment, event.looked_at)


async def on_invoice_disputed(
    uow: CollectionUnitOfWork, ctx: Context, event: InvoiceDisputed
) -> None:
    await flag_dispute(uow, ctx, event.invoice)


async def on_invoice_dispute_resolved(
    uow: CollectionUnitOfWork, ctx: Context, event: InvoiceDisputeResolved
) -> None:
    await resolve_dispute_flag(uow, ctx, event.invoice, event.note)

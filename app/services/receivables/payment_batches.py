"""Recording many payments at once: the set-based twin of ``record_payment``.

The same policy, documents and events as ``record_payment`` (automatic allocation, in
the order given), with a fixed number of statements for the whole batch: one that locks
the payers and every invoice their payments can reach (:func:`lock_payers`), one that
inserts the payments and their allocations and moves the invoices' totals
(:func:`record_locked_payments`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from app.domain.money import Money
from app.domain.receivables.allocation import OpenItem, plan_allocation
from app.domain.receivables.events import PaymentAllocated
from app.domain.receivables.invoices import Invoice
from app.domain.receivables.payments import Payment
from app.services.context import Context
from app.services.receivables.allocations import (
    Applied,
    add_installments_paid,
    allocation_step,
    shaped_events,
)
from app.services.receivables.payments import NewPayment, new_payment
from app.services.receivables.ports import LockedPayers, PayerGroup, ReceivablesUnitOfWork

GroupKey = tuple[UUID, str]  # customer, currency


@dataclass(frozen=True, slots=True)
class Remittance:
    """A payment as its payer's system names it: the customer by external id."""

    customer_external_id: str
    amount: Decimal
    currency: str
    reference: str | None = None
    pay_first: tuple[UUID, ...] = ()


async def lock_payers(
    uow: ReceivablesUnitOfWork, remittances: Sequence[Remittance]
) -> LockedPayers:
    """Lock the payers (by external id), then every open invoice that automatic allocation
    of their payments, in any order, can reach; until the unit of work ends."""
    totals: dict[tuple[str, str], Money] = {}
    references: dict[tuple[str, str], list[str]] = {}
    named: dict[tuple[str, str], list[UUID]] = {}
    for r in remittances:
        key = (r.customer_external_id, r.currency)
        totals[key] = totals.get(key, Money.zero(r.currency)) + Money.of(r.amount, r.currency)
        references.setdefault(key, []).append(r.reference or "")
        named.setdefault(key, []).extend(r.pay_first)
    groups = [
        PayerGroup(key[0], total, "\n".join(references[key]), tuple(named[key]))
        for key, total in totals.items()
    ]
    return await uow.invoices.lock_payers_and_candidates(groups)


@dataclass(frozen=True, slots=True)
class Step:
    """One payment's allocation, and the invoices it looked at as they were before it."""

    ctx: Context
    applied: Applied
    looked_at: dict[UUID, Invoice]


def _plan(items: Sequence[tuple[Context, NewPayment]], candidates: Sequence[Invoice]) -> list[Step]:
    """Allocate each payment in turn against the invoices as the ones before left them."""
    invoices: dict[UUID, Invoice] = {i.id: i for i in candidates}
    open_items = {i.id: OpenItem.of(i) for i in candidates}  # kept in step with invoices
    by_group: dict[GroupKey, list[UUID]] = {}
    for invoice in candidates:
        by_group.setdefault((invoice.customer_id, invoice.currency), []).append(invoice.id)
    steps: list[Step] = []
    for ctx, cmd in items:
        payment = new_payment(ctx, cmd)
        group = by_group.get((payment.customer_id, payment.currency), [])
        looked_at = {i: invoices[i] for i in group}
        reachable = [open_items[i] for i in group]
        shares = plan_allocation(payment.amount, reachable, payment.reference, cmd.pay_first)
        applied = allocation_step(ctx, payment, shares, invoices, new=True)
        for invoice_id, invoice in applied.after.items():
            invoices[invoice_id] = invoice
            open_items[invoice_id] = OpenItem.of(invoice)
        if applied.after:
            group[:] = [i for i in group if open_items[i].outstanding.is_positive()]
        steps.append(Step(ctx, applied, looked_at))
    return steps


async def record_locked_payments(
    uow: ReceivablesUnitOfWork, items: Sequence[tuple[Context, NewPayment]], locked: LockedPayers
) -> list[Payment]:
    """Record payments and allocate each automatically, one after another, in the unit of
    work that :func:`lock_payers` locked their customers and invoices in (the caller
    commits).

    Emits per payment what ``record_payment`` emits: ``payment.received`` (with its
    allocations' invoices), ``invoice.paid`` and ``installment.paid``.
    """
    if not items:
        return []
    steps = _plan(items, locked.invoices)
    paid: dict[UUID, Money] = {}
    for step in steps:
        for allocation in step.applied.allocations:
            zero = Money.zero(allocation.amount.currency)
            paid[allocation.invoice_id] = paid.get(allocation.invoice_id, zero) + allocation.amount
    at = steps[0].applied.payment.updated_at
    pairs = [(step.ctx, step.applied) for step in steps]
    # The rows go to PostgreSQL first; the events are shaped while it writes them (pure
    # Python, no other statement on the connection until the write is awaited).
    writing = asyncio.ensure_future(
        uow.payments.add_allocated([step.applied.payment for step in steps], paid, at)
    )
    try:
        await asyncio.sleep(0)  # lets the write send its statement
        events = shaped_events(pairs, received=True)
    finally:
        await writing
    await add_installments_paid(uow, pairs, events)
    for payment_events in events:
        for event in payment_events:
            uow.add_event(event)
    await _publish_allocated(uow, steps, locked.promised)
    return [step.applied.payment for step in steps]


async def _publish_allocated(
    uow: ReceivablesUnitOfWork, steps: Sequence[Step], promised: frozenset[UUID]
) -> None:
    """What ``record_payment`` publishes after allocating, per payment (promises it counts
    toward are re-evaluated and ``amount_mismatch`` is judged). The lock noted which payers
    have an open promise, so payers without any cost no statement about promises."""
    for step in steps:
        payment = step.applied.payment
        allocated = PaymentAllocated(
            payment,
            step.applied.allocations,
            looked_at=step.looked_at,
            payer_has_open_promise=payment.customer_id in promised,
        )
        await uow.publish(step.ctx, allocated)

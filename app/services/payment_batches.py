"""Recording many payments at once: the set-based twin of ``record_payment``.

The same policy, documents and events as ``record_payment`` (automatic allocation, in
the order given), with one statement per kind of write for the whole batch: one lock of
every invoice the payments can reach, one statement that inserts the payments and
their allocations and moves the invoices' totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from app.domain.allocation import OpenItem, plan_allocation
from app.domain.invoices import Invoice
from app.domain.money import Money
from app.domain.payments import Payment
from app.services.allocations import (
    Applied,
    allocation_events,
    allocation_step,
    payment_subject,
)
from app.services.context import Context
from app.services.payment_documents import payment_document
from app.services.payments import NewPayment, new_payment
from app.services.ports import CandidateGroup, UnitOfWork

GroupKey = tuple[UUID, str]  # customer, currency


def _groups(payments: Sequence[Payment], cmds: Sequence[NewPayment]) -> list[CandidateGroup]:
    totals: dict[GroupKey, Money] = {}
    references: dict[GroupKey, list[str]] = {}
    named: dict[GroupKey, list[UUID]] = {}
    for payment, cmd in zip(payments, cmds, strict=True):
        key = (payment.customer_id, payment.currency)
        totals[key] = totals.get(key, Money.zero(payment.currency)) + payment.amount
        references.setdefault(key, []).append(payment.reference or "")
        named.setdefault(key, []).extend(cmd.pay_first)
    return [
        CandidateGroup(key[0], total, "\n".join(references[key]), tuple(named[key]))
        for key, total in totals.items()
    ]


async def record_payments(
    uow: UnitOfWork, items: Sequence[tuple[Context, NewPayment]]
) -> list[Payment]:
    """Record payments and allocate each automatically, one after another, in one unit of
    work the caller opened (and commits) after locking the payments' customers.

    Emits per payment what ``record_payment`` emits: ``payment.received``, then
    ``payment.allocated`` per allocation and ``invoice.paid``/``installment.paid``.
    """
    if not items:
        return []
    payments = [new_payment(ctx, cmd) for ctx, cmd in items]
    cmds = [cmd for _, cmd in items]
    candidates = await uow.invoices.lock_candidates_of(_groups(payments, cmds))
    invoices: dict[UUID, Invoice] = {i.id: i for i in candidates}
    open_by_group: dict[GroupKey, list[UUID]] = {}
    for invoice in candidates:
        open_by_group.setdefault((invoice.customer_id, invoice.currency), []).append(invoice.id)
    steps: list[tuple[Context, Applied]] = []
    for (ctx, cmd), payment in zip(items, payments, strict=True):
        group = open_by_group.get((payment.customer_id, payment.currency), [])
        open_items = [OpenItem.of(invoices[i]) for i in group]
        shares = plan_allocation(payment.amount, open_items, payment.reference, cmd.pay_first)
        applied = allocation_step(ctx, payment, shares, invoices, new=True)
        invoices.update(applied.after)
        group[:] = [i for i in group if invoices[i].outstanding.is_positive()]
        steps.append((ctx, applied))
    paid: dict[UUID, Money] = {}
    for _, applied in steps:
        for allocation in applied.allocations:
            zero = Money.zero(allocation.amount.currency)
            paid[allocation.invoice_id] = paid.get(allocation.invoice_id, zero) + allocation.amount
    at = steps[0][1].payment.updated_at
    await uow.payments.add_allocated([applied.payment for _, applied in steps], paid, at)
    documents = [payment_document(applied.payment) for _, applied in steps]
    events = await allocation_events(uow, steps, documents)
    for (ctx, applied), document, allocated in zip(steps, documents, events, strict=True):
        subject = payment_subject(applied.payment.id)
        uow.add_event(ctx.event("payment.received", subject, {"object": document}))
        for event in allocated:
            uow.add_event(event)
    return [applied.payment for _, applied in steps]

"""Allocation use cases: allocate a payment (later), undo one allocation, reverse a payment.

Each runs in the unit of work its entry point opened (and commits), on the payment
:func:`locked_payment` locked.

Row locks are taken in one global order, so concurrent requests wait for each other and
never deadlock: the payment, then its customer, then invoices in id order (one statement),
then their installments in id order. Totals are re-read under those locks, so an invoice or
payment is never allocated past its amount; CHECK constraints in the database back this up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from uuid import UUID

from app.domain.customers.events import CreditExposureChanged
from app.domain.errors import NotFound, StaleVersion, UnknownReference
from app.domain.events import EventType, OutboxEvent
from app.domain.money import Money
from app.domain.receivables import payments as rules
from app.domain.receivables.allocation import OpenItem, Share, check_allocations, plan_allocation
from app.domain.receivables.events import PaymentAllocated
from app.domain.receivables.installments import installment_figures
from app.domain.receivables.invoices import Invoice, InvoiceStatus, receive_payment, return_payment
from app.domain.receivables.payments import Allocation, Payment
from app.services.context import Context
from app.services.receivables.contract_documents import installment_document
from app.services.receivables.invoice_documents import invoice_document
from app.services.receivables.payment_documents import (
    PaymentDocument,
    allocation_document,
    payment_document,
)
from app.services.receivables.ports import ReceivablesUnitOfWork


@dataclass(frozen=True, slots=True)
class AllocationRequest:
    invoice_id: UUID
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Applied:
    """What one allocation step changed: the payment, its new allocations, the invoices."""

    payment: Payment
    allocations: tuple[Allocation, ...]
    before: Mapping[UUID, Invoice]
    after: Mapping[UUID, Invoice]


def payment_subject(payment_id: UUID) -> str:
    return f"payments/{payment_id}"


async def choose_shares(
    uow: ReceivablesUnitOfWork,
    payment: Payment,
    requests: Sequence[AllocationRequest] | None,
    pay_first: Sequence[UUID] = (),
) -> tuple[list[Share], dict[UUID, Invoice]]:
    """Lock the customer, then the invoices that may be paid, and decide the shares: the
    policy's, or the caller's."""
    available = payment.unallocated_amount
    if not await uow.customers.lock(payment.customer_id):
        raise UnknownReference("customer", payment.customer_id, ("customer_id",))
    if requests is None:
        candidates = await uow.invoices.lock_allocation_candidates(
            payment.customer_id, available, payment.reference, pay_first
        )
        items = [OpenItem.of(i) for i in candidates]
        shares = plan_allocation(available, items, payment.reference, pay_first)
        return shares, {i.id: i for i in candidates}
    wanted = [Share(r.invoice_id, Money.of(r.amount, payment.currency)) for r in requests]
    found = await uow.invoices.get_many({s.invoice_id for s in wanted}, lock=True)
    invoices = {i.id: i for i in found}
    for index, share in enumerate(wanted):
        if share.invoice_id not in invoices:
            raise UnknownReference(
                "invoice", share.invoice_id, ("allocations", index, "invoice_id")
            )
    return check_allocations(available, payment.customer_id, wanted, invoices), invoices


def allocation_step(
    ctx: Context,
    payment: Payment,
    shares: Sequence[Share],
    invoices: Mapping[UUID, Invoice],
    *,
    new: bool,
) -> Applied:
    """The shares as allocations: the payment and its invoices after them (nothing written).

    A ``new`` payment keeps its version: it is inserted with its allocations at once.
    """
    now = ctx.clock.now()
    allocations = tuple(
        Allocation(
            id=ctx.ids.new_id(),
            payment_id=payment.id,
            invoice_id=share.invoice_id,
            amount=share.amount,
            received_on=payment.received_on,
            created_at=now,
            created_by=ctx.actor.key_name,
        )
        for share in shares
    )
    if new:  # nothing allocated yet and never reversed: the totals are the shares'
        total = Money.sum((a.amount for a in allocations), payment.currency)
        updated = replace(payment, allocations=allocations, allocated_amount=total, updated_at=now)
    else:
        updated = rules.add_allocations(payment, allocations, now)
    before = {s.invoice_id: invoices[s.invoice_id] for s in shares}
    after = {s.invoice_id: receive_payment(before[s.invoice_id], s.amount, now) for s in shares}
    return Applied(updated, allocations, before, after)


async def apply_shares(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    payment: Payment,
    shares: Sequence[Share],
    invoices: Mapping[UUID, Invoice],
    *,
    new: bool,
) -> Applied:
    """Record the shares as allocations: payment and invoice totals move in one step each."""
    applied = allocation_step(ctx, payment, shares, invoices, new=new)
    if new:
        await uow.payments.add(applied.payment)
    elif applied.allocations:
        await uow.payments.add_allocations(applied.payment, applied.allocations)
    if shares:
        amounts = {s.invoice_id: s.amount for s in shares}
        await uow.invoices.add_paid(amounts, applied.payment.updated_at)
    return applied


async def emit_allocated(uow: ReceivablesUnitOfWork, ctx: Context, applied: Applied) -> None:
    """``payment.allocated`` per allocation of a payment recorded earlier, then
    ``invoice.paid`` and ``installment.paid`` for what each allocation settled."""
    (events,) = await allocation_events(uow, [(ctx, applied)])
    for event in events:
        uow.add_event(event)


async def emit_received(uow: ReceivablesUnitOfWork, ctx: Context, applied: Applied) -> None:
    """``payment.received`` for a new payment with the allocations made with it, then
    ``invoice.paid`` and ``installment.paid`` for what they settled."""
    (events,) = await allocation_events(uow, [(ctx, applied)], received=True)
    for event in events:
        uow.add_event(event)


async def allocation_events(
    uow: ReceivablesUnitOfWork,
    steps: Sequence[tuple[Context, Applied]],
    documents: Sequence[PaymentDocument] | None = None,
    *,
    received: bool = False,
) -> list[list[OutboxEvent]]:
    """The events of :func:`emit_allocated` (or, ``received``, of :func:`emit_received`)
    for payments allocated one after another in one unit of work (already written), per
    payment: installments are read once for all. ``documents`` are the payments' documents
    when the caller has them already."""
    events = shaped_events(steps, documents, received=received)
    await add_installments_paid(uow, steps, events)
    return events


def shaped_events(
    steps: Sequence[tuple[Context, Applied]],
    documents: Sequence[PaymentDocument] | None = None,
    *,
    received: bool = False,
) -> list[list[OutboxEvent]]:
    """The part of :func:`allocation_events` that needs no database (all but
    ``installment.paid``, which :func:`add_installments_paid` appends)."""
    if documents is None:
        documents = [payment_document(applied.payment) for _, applied in steps]
    shape = _received if received else _allocated
    return [
        [*shape(ctx, applied, document), *_invoices_paid(ctx, applied)]
        for (ctx, applied), document in zip(steps, documents, strict=True)
    ]


async def add_installments_paid(
    uow: ReceivablesUnitOfWork,
    steps: Sequence[tuple[Context, Applied]],
    events: list[list[OutboxEvent]],
) -> None:
    """Append ``installment.paid`` to the events of the payment (by index) that settled it."""
    for index, paid in (await _installments_paid(uow, steps)).items():
        events[index].extend(paid)


def invoice_figures(invoice: Invoice) -> dict[str, Any]:
    """What allocating to an invoice changed on it (its document is ``GET /v1/invoices/{id}``
    and, once paid in full, ``invoice.paid``): decision 0139."""
    return {
        "id": str(invoice.id),
        "external_id": invoice.external_id,
        "status": invoice.status.value,
        "amount_paid": invoice.amount_paid.to_wire(),
        "outstanding": invoice.outstanding.to_wire(),
        "version": invoice.version,
    }


def _received(ctx: Context, applied: Applied, document: PaymentDocument) -> list[OutboxEvent]:
    """One event for a new payment: its document lists the allocations made with it, and
    ``invoices`` what they changed on each invoice (no ``payment.allocated`` besides)."""
    after = applied.after
    data = {
        "object": document,
        "invoices": [invoice_figures(after[a.invoice_id]) for a in applied.allocations],
    }
    subject = payment_subject(applied.payment.id)
    return [ctx.event(EventType.PAYMENT_RECEIVED, subject, data)]


def _allocated(ctx: Context, applied: Applied, document: PaymentDocument) -> list[OutboxEvent]:
    today = ctx.clock.today()
    subject = payment_subject(applied.payment.id)
    events: list[OutboxEvent] = []
    for allocation in applied.allocations:
        data = {
            "object": document,
            "allocation": allocation_document(allocation),
            "invoice": invoice_document(applied.after[allocation.invoice_id], today),
        }
        events.append(ctx.event(EventType.PAYMENT_ALLOCATED, subject, data))
    return events


def _invoices_paid(ctx: Context, applied: Applied) -> list[OutboxEvent]:
    events: list[OutboxEvent] = []
    for invoice_id, invoice in applied.after.items():
        if invoice.status is InvoiceStatus.PAID and applied.before[invoice_id].status is not (
            InvoiceStatus.PAID
        ):
            paid = {
                "object": invoice_document(invoice, ctx.clock.today()),
                "payment_id": str(applied.payment.id),
            }
            events.append(ctx.event(EventType.INVOICE_PAID, f"invoices/{invoice_id}", paid))
    return events


async def _installments_paid(
    uow: ReceivablesUnitOfWork, steps: Sequence[tuple[Context, Applied]]
) -> dict[int, list[OutboxEvent]]:
    """``installment.paid`` for the payment (by index) whose allocation settled it."""
    added: list[dict[UUID, Money]] = []
    total: dict[UUID, Money] = {}
    for _, applied in steps:
        step: dict[UUID, Money] = {}
        for allocation in applied.allocations:
            installment_id = applied.after[allocation.invoice_id].installment_id
            if installment_id is not None:
                zero = Money.zero(allocation.amount.currency)
                step[installment_id] = step.get(installment_id, zero) + allocation.amount
                total[installment_id] = total.get(installment_id, zero) + allocation.amount
        added.append(step)
    if not total:
        return {}
    today = steps[0][0].clock.today()
    # Locked so that concurrent payments to one installment's invoices see each other.
    installments = await uow.contracts.lock_installments(total.keys())
    ledgers = await uow.invoice_queries.installment_ledgers(total.keys(), today)
    events: dict[int, list[OutboxEvent]] = defaultdict(list)
    for installment in installments:
        ledger = ledgers.get(installment.id)
        if ledger is None:
            continue
        collected = ledger.collected - total[installment.id]  # before these payments
        for index, step in enumerate(added):
            if installment.id not in step:
                continue
            before, collected = collected, collected + step[installment.id]
            if before < installment.amount <= collected:
                ctx, applied = steps[index]
                figures = installment_figures(
                    installment, replace(ledger, collected=collected), today
                )
                data = {
                    "object": installment_document(installment, figures),
                    "payment_id": str(applied.payment.id),
                }
                subject = f"installments/{installment.id}"
                events[index].append(ctx.event(EventType.INSTALLMENT_PAID, subject, data))
    return events


async def locked_payment(
    uow: ReceivablesUnitOfWork, payment_id: UUID, expected_version: int | None = None
) -> Payment:
    """The payment to change, locked (the first lock of the order above); 404 when unknown,
    412 when ``expected_version`` is stale."""
    payment = await uow.payments.get(payment_id, lock=True)
    if payment is None:
        raise NotFound("payment", payment_id)
    if expected_version is not None and expected_version != payment.version:
        raise StaleVersion("payment", expected_version, payment.version)
    return payment


async def allocate_payment(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    payment: Payment,
    requests: Sequence[AllocationRequest] | None = None,
) -> Payment:
    """Allocate what a payment has unallocated: as asked, or by the automatic policy;
    publishes ``PaymentAllocated`` (the promises the allocations count toward are
    re-evaluated in the same transaction). ``payment`` is as :func:`locked_payment` locked it."""
    rules.require_allocatable(payment)
    shares, invoices = await choose_shares(uow, payment, requests)
    if not shares:
        return payment
    applied = await apply_shares(uow, ctx, payment, shares, invoices, new=False)
    await emit_allocated(uow, ctx, applied)
    await uow.publish(ctx, PaymentAllocated(applied.payment, applied.allocations))
    return applied.payment


async def _give_back(
    uow: ReceivablesUnitOfWork, ctx: Context, undone: Sequence[Allocation]
) -> list[Invoice]:
    """Take undone allocations back off their invoices (locked in id order)."""
    now = ctx.clock.now()
    amounts: dict[UUID, Money] = defaultdict(lambda: Money.zero(undone[0].amount.currency))
    for allocation in undone:
        amounts[allocation.invoice_id] = amounts[allocation.invoice_id] + allocation.amount
    invoices = await uow.invoices.get_many(amounts.keys(), lock=True)
    await uow.invoices.add_paid({k: Money.zero(v.currency) - v for k, v in amounts.items()}, now)
    return [return_payment(i, amounts[i.id], now) for i in invoices]


async def undo_allocation(
    uow: ReceivablesUnitOfWork, ctx: Context, payment: Payment, allocation_id: UUID
) -> Payment:
    """Undo one allocation of ``payment`` (as :func:`locked_payment` locked it; the
    allocation is kept, stamped undone); emits ``payment.unallocated``."""
    await uow.customers.lock(payment.customer_id)
    updated, undone = rules.undo_allocation(payment, allocation_id, ctx.clock.now())
    (invoice,) = await _give_back(uow, ctx, [undone])
    await uow.payments.mark_undone(updated, [undone])
    data = {
        "object": payment_document(updated),
        "allocation": allocation_document(undone),
        "invoice": invoice_document(invoice, ctx.clock.today()),
    }
    uow.add_event(ctx.event(EventType.PAYMENT_UNALLOCATED, payment_subject(payment.id), data))
    await uow.publish(ctx, CreditExposureChanged(payment.customer_id))
    return updated


async def reverse_payment(
    uow: ReceivablesUnitOfWork, ctx: Context, payment: Payment, reason: str | None = None
) -> Payment:
    """A bounced payment (as :func:`locked_payment` locked it): undo every allocation and
    reopen the invoices; emits ``payment.reversed``. A reversed payment can no longer be
    allocated."""
    await uow.customers.lock(payment.customer_id)
    updated, undone = rules.reverse_payment(payment, reason, ctx.clock.now())
    invoices = await _give_back(uow, ctx, undone) if undone else []
    await uow.payments.mark_undone(updated, undone)
    today = ctx.clock.today()
    data = {
        "object": payment_document(updated),
        "allocations": [allocation_document(a) for a in undone],
        "invoices": [invoice_document(i, today) for i in invoices],
    }
    if updated.reversal_reason:
        data["reason"] = updated.reversal_reason
    uow.add_event(ctx.event(EventType.PAYMENT_REVERSED, payment_subject(payment.id), data))
    if undone:
        await uow.publish(ctx, CreditExposureChanged(payment.customer_id))
    return updated

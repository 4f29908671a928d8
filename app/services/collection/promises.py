"""Promise use cases: read and list promises, and credit allocated payments to them.

Promises are made in interactions (``app/services/collection/interactions.py``). A
payment allocation re-evaluates the customer's unsettled promises it can count toward, in
the allocation's own transaction (:func:`credit_promises`); the scheduler breaks those
whose deadline passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from app.domain.collection.promises import Promise, PromiseStatus, evaluate_promise
from app.domain.errors import NotFound
from app.domain.events import EventType
from app.domain.receivables.events import PaymentAllocated
from app.domain.receivables.payments import Allocation, Payment
from app.services.collection.documents import promise_document
from app.services.collection.ports import CollectionUnitOfWork, PromiseFilter
from app.services.context import Context
from app.services.pagination import Page, PageRequest, make_page

# Reaching these emits ``promise.kept`` (``data.object.status`` tells which).
KEPT_EVENTS = frozenset({PromiseStatus.KEPT, PromiseStatus.PARTIALLY_KEPT})


def subject(promise_id: UUID) -> str:
    return f"promises/{promise_id}"


async def credit_promises(
    uow: CollectionUnitOfWork, ctx: Context, payment: Payment, allocations: Sequence[Allocation]
) -> list[Promise]:
    """Re-evaluate the promises the new ``allocations`` of ``payment`` can count toward.

    Runs inside the allocation's unit of work, after its locks (customer, invoices,
    installments), then locks the promises. One statement when the customer has no
    promise the payment can reach, two when some change. Emits ``promise.kept`` when a
    promise becomes kept or partially kept. Returns the promises that changed.
    """
    if not allocations:
        return []
    found = await uow.promises.lock_countable(
        payment.customer_id,
        payment.currency,
        payment.received_on,
        {a.invoice_id for a in allocations},
        ctx.promise_grace_days,
    )
    now = ctx.clock.now()
    changed = [
        (item.promise, after)
        for item in found
        if (after := evaluate_promise(item.promise, item.counted, now)) is not item.promise
    ]
    if not changed:
        return []
    await uow.promises.save_evaluations([after for _, after in changed])
    for before, after in changed:
        if after.status != before.status and after.status in KEPT_EVENTS:
            data = {"object": promise_document(after), "payment_id": str(payment.id)}
            uow.add_event(ctx.event(EventType.PROMISE_KEPT, subject(after.id), data))
    return [after for _, after in changed]


async def on_payment_allocated(
    uow: CollectionUnitOfWork, ctx: Context, event: PaymentAllocated
) -> None:
    """The reaction to ``PaymentAllocated`` (the handler table: app/services/reactions.py)."""
    if event.payer_has_open_promise:
        await credit_promises(uow, ctx, event.payment, event.allocations)


async def get_promise(uow: CollectionUnitOfWork, promise_id: UUID) -> Promise:
    promise = await uow.promises.get(promise_id)
    if promise is None:
        raise NotFound("promise", promise_id)
    return promise


async def list_promises(
    uow: CollectionUnitOfWork, filters: PromiseFilter, page: PageRequest
) -> Page[Promise]:
    rows = await uow.promise_queries.list(filters, page)
    return make_page(rows, page, key=lambda p: (str(p.id),))

"""Payment use cases: record a payment (allocating it at once), read and list payments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from app.domain.errors import NotFound
from app.domain.money import Money
from app.domain.receivables.events import PaymentAllocated
from app.domain.receivables.payments import Payment, PaymentStatus
from app.services.context import Context
from app.services.pagination import Page, PageRequest, make_page
from app.services.receivables.allocations import (
    AllocationRequest,
    apply_shares,
    choose_shares,
    emit_received,
)
from app.services.receivables.ports import ReceivablesUnitOfWork


@dataclass(frozen=True, slots=True)
class NewPayment:
    """A payment received.

    ``allocations`` None lets the service allocate automatically (see
    ``app/domain/receivables/allocation.py``); an empty tuple leaves the payment unallocated.
    ``pay_first`` names invoices the automatic allocation pays before any other, in order.
    """

    customer_id: UUID
    amount: Decimal
    currency: str
    received_on: date
    external_id: str | None = None
    method: str | None = None
    reference: str | None = None
    allocations: tuple[AllocationRequest, ...] | None = None
    pay_first: tuple[UUID, ...] = ()


async def record_payment(uow: ReceivablesUnitOfWork, ctx: Context, cmd: NewPayment) -> Payment:
    """Record a payment and allocate it; emits ``payment.received`` (its allocations and
    what they changed on the invoices in it), ``invoice.paid`` and ``installment.paid``.

    Publishes ``PaymentAllocated``: in the same transaction, promises the allocations count
    toward are re-evaluated, and an automatic allocation that matches no open invoice
    raises ``amount_mismatch``."""
    payment = new_payment(ctx, cmd)
    shares, invoices = await choose_shares(uow, payment, cmd.allocations, cmd.pay_first)
    applied = await apply_shares(uow, ctx, payment, shares, invoices, new=True)
    await emit_received(uow, ctx, applied)
    looked_at = invoices if cmd.allocations is None else None
    await uow.publish(ctx, PaymentAllocated(applied.payment, applied.allocations, looked_at))
    return applied.payment


def new_payment(ctx: Context, cmd: NewPayment) -> Payment:
    """The payment ``cmd`` describes, before any allocation."""
    now = ctx.clock.now()
    return Payment(
        id=ctx.ids.new_id(),
        customer_id=cmd.customer_id,
        amount=Money.of(cmd.amount, cmd.currency),
        allocated_amount=Money.zero(cmd.currency),
        received_on=cmd.received_on,
        external_id=cmd.external_id,
        method=(cmd.method or "").strip() or None,
        reference=(cmd.reference or "").strip() or None,
        created_at=now,
        updated_at=now,
    )


async def get_payment(uow: ReceivablesUnitOfWork, payment_id: UUID) -> Payment:
    payment = await uow.payments.get(payment_id)
    if payment is None:
        raise NotFound("payment", payment_id)
    return payment


async def list_payments(
    uow: ReceivablesUnitOfWork,
    *,
    customer_id: UUID | None = None,
    external_id: str | None = None,
    status: PaymentStatus | None = None,
    page: PageRequest,
) -> Page[Payment]:
    rows: Sequence[Payment] = await uow.payment_queries.list(
        customer_id=customer_id, external_id=external_id, status=status, page=page
    )
    return make_page(rows, page, key=lambda p: (str(p.id),))

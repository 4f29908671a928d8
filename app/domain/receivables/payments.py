"""Payments received from customers and their allocations to invoices.

An allocation is never deleted: undoing it (or reversing the whole payment) stamps it
``undone_at``, so what was applied when can always be reconstructed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from app.domain.errors import IllegalStateTransition, NotFound, ValidationFailed
from app.domain.money import Money, require_positive

MAX_REFERENCE_LENGTH = 2000
MAX_METHOD_LENGTH = 50


class PaymentStatus(StrEnum):
    UNALLOCATED = "unallocated"
    PARTIALLY_ALLOCATED = "partially_allocated"
    ALLOCATED = "allocated"
    REVERSED = "reversed"


class UndoReason(StrEnum):
    UNDONE = "undone"  # DELETE .../allocations/{id}
    REVERSED = "reversed"  # the whole payment bounced


@dataclass(frozen=True, slots=True)
class Allocation:
    id: UUID
    payment_id: UUID
    invoice_id: UUID
    amount: Money
    received_on: date  # the payment's, so "as of" reports need no join
    created_at: datetime
    created_by: str
    undone_at: datetime | None = None
    undone_reason: UndoReason | None = None

    @property
    def active(self) -> bool:
        return self.undone_at is None


@dataclass(slots=True)
class Payment:
    id: UUID
    customer_id: UUID
    amount: Money
    allocated_amount: Money
    received_on: date
    created_at: datetime
    updated_at: datetime
    external_id: str | None = None
    method: str | None = None
    reference: str | None = None
    allocations: tuple[Allocation, ...] = ()
    reversed_at: datetime | None = None
    reversal_reason: str | None = None
    version: int = 1

    def __post_init__(self) -> None:
        validate_payment(self)

    @property
    def currency(self) -> str:
        return self.amount.currency

    @property
    def unallocated_amount(self) -> Money:
        if self.reversed_at is not None:
            return Money.zero(self.currency)
        return self.amount - self.allocated_amount

    @property
    def status(self) -> PaymentStatus:
        if self.reversed_at is not None:
            return PaymentStatus.REVERSED
        if self.allocated_amount.is_zero():
            return PaymentStatus.UNALLOCATED
        if self.allocated_amount < self.amount:
            return PaymentStatus.PARTIALLY_ALLOCATED
        return PaymentStatus.ALLOCATED

    @property
    def active_allocations(self) -> tuple[Allocation, ...]:
        return tuple(a for a in self.allocations if a.active)

    def allocation(self, allocation_id: UUID) -> Allocation:
        found = next((a for a in self.allocations if a.id == allocation_id), None)
        if found is None:
            raise NotFound("allocation", allocation_id)
        return found


def validate_payment(payment: Payment) -> None:
    require_positive(payment.amount)
    if payment.allocated_amount.is_negative() or payment.allocated_amount > payment.amount:
        raise ValidationFailed("allocated_amount must be within 0..amount")
    if payment.reference is not None and len(payment.reference) > MAX_REFERENCE_LENGTH:
        raise ValidationFailed(
            f"reference is longer than {MAX_REFERENCE_LENGTH} characters", ("reference",)
        )
    if payment.method is not None and len(payment.method) > MAX_METHOD_LENGTH:
        raise ValidationFailed(f"method is longer than {MAX_METHOD_LENGTH} characters", ("method",))


def require_allocatable(payment: Payment) -> None:
    if payment.reversed_at is not None:
        raise IllegalStateTransition("the payment was reversed; it cannot be allocated")


def add_allocations(payment: Payment, allocations: Sequence[Allocation], now: datetime) -> Payment:
    require_allocatable(payment)
    total = Money.sum((a.amount for a in allocations), payment.currency)
    if total > payment.unallocated_amount:
        raise ValidationFailed(
            f"allocations of {total} exceed the {payment.unallocated_amount} unallocated",
            ("allocations",),
        )
    return replace(
        payment,
        allocations=(*payment.allocations, *allocations),
        allocated_amount=payment.allocated_amount + total,
        updated_at=now,
        version=payment.version + 1,
    )


def undo_allocation(
    payment: Payment, allocation_id: UUID, now: datetime
) -> tuple[Payment, Allocation]:
    """The payment with one allocation undone, and that allocation as it is now."""
    allocation = payment.allocation(allocation_id)
    if not allocation.active:
        raise IllegalStateTransition("the allocation was already undone")
    undone = replace(allocation, undone_at=now, undone_reason=UndoReason.UNDONE)
    allocations = tuple(undone if a.id == allocation_id else a for a in payment.allocations)
    updated = replace(
        payment,
        allocations=allocations,
        allocated_amount=payment.allocated_amount - allocation.amount,
        updated_at=now,
        version=payment.version + 1,
    )
    return updated, undone


def reverse_payment(
    payment: Payment, reason: str | None, now: datetime
) -> tuple[Payment, tuple[Allocation, ...]]:
    """A bounced payment: every active allocation is undone. Returns those allocations."""
    if payment.reversed_at is not None:
        raise IllegalStateTransition("the payment was already reversed")
    text = (reason or "").strip() or None
    if text is not None and len(text) > MAX_REFERENCE_LENGTH:
        raise ValidationFailed("reason is too long", ("reason",))
    undone = tuple(
        replace(a, undone_at=now, undone_reason=UndoReason.REVERSED)
        for a in payment.active_allocations
    )
    by_id = {a.id: a for a in undone}
    updated = replace(
        payment,
        allocations=tuple(by_id.get(a.id, a) for a in payment.allocations),
        allocated_amount=Money.zero(payment.currency),
        reversed_at=now,
        reversal_reason=text,
        updated_at=now,
        version=payment.version + 1,
    )
    return updated, undone

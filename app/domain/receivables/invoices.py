"""Invoices: what a customer was billed, what was paid against it, and its life cycle.

``status`` follows from stored facts: void and written-off are closing actions, the rest
comes from ``amount_paid`` (kept up to date by allocations). Overdue, days overdue, holds
and late fees depend on the calendar date, so they are computed for a given ``today``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from uuid import UUID

from app.domain.errors import Conflict, IllegalStateTransition, ValidationFailed
from app.domain.money import Money, require_positive

MAX_REASON_LENGTH = 2000


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"
    WRITTEN_OFF = "written_off"


# The statuses a payment can still reach. One source: SQL renders its predicates from this
# tuple, in this order (``app/adapters/db/receivables/statuses.py``).
PAYABLE_STATUSES = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)
PAYABLE = frozenset(PAYABLE_STATUSES)


@dataclass(frozen=True, slots=True)
class Hold:
    """Collection paused (dunning and the overdue risk rule skip it) until ``until``."""

    reason: str
    until: date


@dataclass(slots=True)
class Invoice:
    id: UUID
    customer_id: UUID
    amount: Money
    amount_paid: Money
    issued_on: date
    due_date: date
    created_at: datetime
    updated_at: datetime
    external_id: str | None = None
    contract_id: UUID | None = None
    installment_id: UUID | None = None
    disputed_at: datetime | None = None
    dispute_reason: str | None = None
    hold: Hold | None = None
    voided_at: datetime | None = None
    voided_on: date | None = None
    void_reason: str | None = None
    written_off_at: datetime | None = None
    written_off_on: date | None = None
    write_off_reason: str | None = None
    late_fee_rate: Decimal | None = None  # the contract's, read along with the invoice
    dunning_level: int = 0
    version: int = 1

    def __post_init__(self) -> None:
        validate_invoice(self)

    @property
    def currency(self) -> str:
        return self.amount.currency

    @property
    def status(self) -> InvoiceStatus:
        if self.voided_at is not None:
            return InvoiceStatus.VOID
        if self.written_off_at is not None:
            return InvoiceStatus.WRITTEN_OFF
        if self.amount_paid >= self.amount:
            return InvoiceStatus.PAID
        if self.amount_paid.is_positive():
            return InvoiceStatus.PARTIALLY_PAID
        return InvoiceStatus.OPEN

    @property
    def payable(self) -> bool:
        return self.status in PAYABLE

    @property
    def outstanding(self) -> Money:
        """What is still to be collected; nothing once void or written off."""
        if not self.payable:
            return Money.zero(self.currency)
        return self.amount - self.amount_paid

    @property
    def written_off_amount(self) -> Money:
        """The part a write-off closed: everything not paid."""
        if self.status is not InvoiceStatus.WRITTEN_OFF:
            return Money.zero(self.currency)
        return self.amount - self.amount_paid

    @property
    def disputed(self) -> bool:
        return self.disputed_at is not None

    def is_overdue(self, today: date) -> bool:
        return self.payable and self.due_date < today

    def days_overdue(self, today: date) -> int:
        return (today - self.due_date).days if self.is_overdue(today) else 0

    def on_hold(self, today: date) -> bool:
        return self.hold is not None and today <= self.hold.until

    def late_fee_accrued(self, today: date) -> Money | None:
        """Simple daily interest on the overdue outstanding; None without a contract rate."""
        if self.late_fee_rate is None:
            return None
        fee = self.outstanding.amount * self.late_fee_rate * self.days_overdue(today)
        step = Decimal(1).scaleb(-self.amount.places)
        return Money(fee.quantize(step, rounding=ROUND_HALF_UP), self.currency)


def due_by_terms(issued_on: date, terms_days: int) -> date:
    """The due date payment terms give an invoice issued on ``issued_on``."""
    return issued_on + timedelta(days=terms_days)


def validate_invoice(invoice: Invoice) -> None:
    require_positive(invoice.amount)
    if invoice.amount_paid.currency != invoice.currency:
        raise ValidationFailed("amount_paid is in the invoice's currency")
    if invoice.amount_paid.is_negative() or invoice.amount_paid > invoice.amount:
        raise ValidationFailed("amount_paid must be within 0..amount", ("amount",))
    if invoice.due_date < invoice.issued_on:
        raise ValidationFailed(
            f"due_date {invoice.due_date} is before issued_on {invoice.issued_on}", ("due_date",)
        )


def _reason(reason: str | None, field: str = "reason", required: bool = True) -> str | None:
    text = (reason or "").strip()
    if not text:
        if required:
            raise ValidationFailed(f"{field} must not be empty", (field,))
        return None
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationFailed(f"{field} is longer than {MAX_REASON_LENGTH} characters", (field,))
    return text


def _touch(invoice: Invoice, now: datetime, **values: object) -> Invoice:
    return replace(invoice, **values, updated_at=now, version=invoice.version + 1)  # type: ignore[arg-type]


def _require_payable(invoice: Invoice, action: str) -> None:
    if not invoice.payable:
        raise IllegalStateTransition(f"a {invoice.status.value} invoice cannot be {action}")


def void_invoice(invoice: Invoice, reason: str | None, now: datetime, today: date) -> Invoice:
    """Cancel an invoice that nothing was paid against (409 once payments are allocated)."""
    if invoice.status is InvoiceStatus.VOID:
        raise IllegalStateTransition("the invoice is already void")
    if invoice.amount_paid.is_positive():
        raise Conflict(
            f"{invoice.amount_paid} is allocated to this invoice; undo the allocations first"
        )
    _require_payable(invoice, "voided")
    return _touch(
        invoice,
        now,
        voided_at=now,
        voided_on=today,
        void_reason=_reason(reason, required=False),
    )


def dispute_invoice(invoice: Invoice, reason: str | None, now: datetime) -> Invoice:
    _require_payable(invoice, "disputed")
    if invoice.disputed:
        raise IllegalStateTransition("the invoice is already disputed")
    return _touch(invoice, now, disputed_at=now, dispute_reason=_reason(reason))


def resolve_dispute(invoice: Invoice, now: datetime) -> Invoice:
    if not invoice.disputed:
        raise IllegalStateTransition("the invoice is not disputed")
    return _touch(invoice, now, disputed_at=None, dispute_reason=None)


def write_off_invoice(invoice: Invoice, reason: str | None, now: datetime, today: date) -> Invoice:
    """Close what is unpaid; the paid part stays paid."""
    _require_payable(invoice, "written off")
    return _touch(
        invoice,
        now,
        written_off_at=now,
        written_off_on=today,
        write_off_reason=_reason(reason),
    )


def hold_invoice(
    invoice: Invoice, reason: str | None, until: date | None, now: datetime, today: date
) -> Invoice:
    _require_payable(invoice, "put on hold")
    if until is None:
        raise ValidationFailed("until is required", ("until",))
    if until < today:
        raise ValidationFailed(f"until {until} is in the past", ("until",))
    text = _reason(reason)
    assert text is not None
    return _touch(invoice, now, hold=Hold(reason=text, until=until))


def release_invoice(invoice: Invoice, now: datetime) -> Invoice:
    if invoice.hold is None:
        raise IllegalStateTransition("the invoice is not on hold")
    return _touch(invoice, now, hold=None)


def receive_payment(invoice: Invoice, amount: Money, now: datetime) -> Invoice:
    """The invoice after ``amount`` of a payment is allocated to it."""
    _require_payable(invoice, "paid")
    require_positive(amount)
    if amount > invoice.outstanding:
        raise ValidationFailed(
            f"{amount} is more than the {invoice.outstanding} outstanding on invoice "
            f"{invoice.external_id or invoice.id}",
            ("amount",),
        )
    return _touch(invoice, now, amount_paid=invoice.amount_paid + amount)


def return_payment(invoice: Invoice, amount: Money, now: datetime) -> Invoice:
    """The invoice after an allocation of ``amount`` is undone (it reopens)."""
    return _touch(invoice, now, amount_paid=invoice.amount_paid - amount)


def invoice_cap(installment_amount: Money, invoiced: Money) -> Money:
    """What an installment still has un-invoiced."""
    rest = installment_amount - invoiced
    return rest if rest.is_positive() else Money.zero(installment_amount.currency)

"""Promises to pay: an amount a customer said they would pay by a date, and whether they did.

What counts toward a promise: active allocations of the customer's payments (to the
promised invoice, when there is one) in the promise's currency, for payments received from
the day the promise was made up to its deadline, the promised date plus the grace days.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from app.domain.errors import CurrencyMismatch, ValidationFailed
from app.domain.money import Money, require_positive

MAX_PROMISE_DAYS = 366 * 2  # a promise further out than two years is surely a typo


class PromiseStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    PARTIALLY_KEPT = "partially_kept"
    BROKEN = "broken"


# Payments may still move these; kept and broken are final.
UNSETTLED_STATUSES = (PromiseStatus.OPEN, PromiseStatus.PARTIALLY_KEPT)  # SQL renders these
UNSETTLED = frozenset(UNSETTLED_STATUSES)


@dataclass(slots=True)
class Promise:
    id: UUID
    customer_id: UUID
    interaction_id: UUID
    amount: Money
    paid_amount: Money
    promised_date: date
    made_on: date
    created_at: datetime
    updated_at: datetime
    invoice_id: UUID | None = None
    status: PromiseStatus = PromiseStatus.OPEN
    kept_at: datetime | None = None
    broken_at: datetime | None = None
    version: int = 1

    def __post_init__(self) -> None:
        require_positive(self.amount)
        if self.paid_amount.currency != self.currency or self.paid_amount.is_negative():
            raise ValidationFailed("paid_amount is a non-negative amount in the promise's currency")

    @property
    def currency(self) -> str:
        return self.amount.currency

    @property
    def remaining(self) -> Money:
        rest = self.amount - self.paid_amount
        return rest if rest.is_positive() else Money.zero(self.currency)

    def deadline(self, grace_days: int) -> date:
        """The last day a payment received counts toward the promise."""
        return self.promised_date + timedelta(days=grace_days)


def validate_new_promise(
    amount: Money, promised_date: date, today: date, currencies: set[str]
) -> None:
    """A promise is for a future (or today's) date, in a currency the customer is billed in.

    ``currencies``: the currency of the promised invoice, or those of the customer's open
    invoices plus the customer's own currency.
    """
    require_positive(amount)
    if promised_date < today:
        raise ValidationFailed(
            f"promised_date {promised_date} is in the past (today is {today})",
            ("promise", "promised_date"),
        )
    if (promised_date - today).days > MAX_PROMISE_DAYS:
        raise ValidationFailed(
            "promised_date is more than two years away", ("promise", "promised_date")
        )
    if amount.currency not in currencies:
        raise CurrencyMismatch(
            f"the promise is in {amount.currency}, the customer's invoices are in "
            f"{', '.join(sorted(currencies))}",
            ("promise", "currency"),
        )


def evaluate_promise(promise: Promise, counted: Money, now: datetime) -> Promise:
    """The promise once ``counted`` (everything that counts toward it so far) is known.

    Kept when ``counted`` reaches the amount; partially kept when something counts. Only
    an unsettled promise moves, and only forward: kept and broken are final.
    """
    if promise.status not in UNSETTLED:
        return promise
    if counted >= promise.amount:
        status = PromiseStatus.KEPT
    elif counted.is_positive():
        status = PromiseStatus.PARTIALLY_KEPT
    else:
        status = PromiseStatus.OPEN
    if status == promise.status and counted == promise.paid_amount:
        return promise
    return replace(
        promise,
        status=status,
        paid_amount=counted,
        kept_at=now if status is PromiseStatus.KEPT else promise.kept_at,
        updated_at=now,
        version=promise.version + 1,
    )


def settle_after_deadline(promise: Promise, today: date, grace_days: int, now: datetime) -> Promise:
    """For the scheduler: once the deadline has passed, an open promise (nothing counted)
    is broken; a partially kept one stays partially kept, now for good."""
    if promise.status is not PromiseStatus.OPEN or today <= promise.deadline(grace_days):
        return promise
    return replace(
        promise,
        status=PromiseStatus.BROKEN,
        broken_at=now,
        updated_at=now,
        version=promise.version + 1,
    )

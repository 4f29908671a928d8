"""Customer statements (对账单): the customer's net position (open invoices minus unallocated
cash) at the start of a period, every movement in it with a running balance, and the
position at its end with its ageing. Currencies are kept apart: each has its own balances.

Movements: an invoice is a debit on ``issued_on``; a payment is credited on ``received_on``
as one line per invoice it was allocated to and one for its unallocated rest (so its lines
add up to its amount); a write-off credits what was unpaid, a void the invoice's amount, and
a reversal debits the payment back. So opening + debits − credits = closing, always.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from app.domain.errors import ValidationFailed
from app.domain.money import Money

MAX_PERIOD_DAYS = 366 * 100


class LineKind(StrEnum):
    INVOICE = "invoice"
    ALLOCATION = "allocation"  # the part of a payment applied to an invoice
    UNALLOCATED = "unallocated"  # the rest of a payment, applied to nothing yet
    WRITE_OFF = "write_off"
    VOID = "void"
    REVERSAL = "reversal"  # a payment given back (bounced, refunded)


@dataclass(frozen=True, slots=True)
class Movement:
    day: date
    kind: LineKind
    ref: str
    currency: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True, slots=True)
class Line:
    movement: Movement
    balance: Decimal  # the running balance of the movement's currency after it


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date


def statement_period(start: date | None, end: date | None, today: date) -> Period:
    """``from`` defaults to the first day of ``to``'s month, ``to`` to today; 422 when
    ``from`` is after ``to``."""
    last = end or today
    first = start or last.replace(day=1)
    if first > last:
        raise ValidationFailed("from must not be after to", ("from",))
    if (last - first).days > MAX_PERIOD_DAYS:
        raise ValidationFailed("a statement covers at most 100 years", ("from",))
    return Period(first, last)


class RunningBalances:
    """Adds each movement to its currency's balance; holds one total per currency, never a
    line, so that a statement of any length streams."""

    def __init__(self, opening: dict[str, Money]) -> None:
        self.opening = dict(opening)
        self.balances = {c: m.amount for c, m in opening.items()}
        self.debits: dict[str, Decimal] = {}
        self.credits: dict[str, Decimal] = {}

    def add(self, movement: Movement) -> Line:
        currency = movement.currency
        balance = self.balances.get(currency, Decimal(0)) + movement.debit - movement.credit
        self.balances[currency] = balance
        self.debits[currency] = self.debits.get(currency, Decimal(0)) + movement.debit
        self.credits[currency] = self.credits.get(currency, Decimal(0)) + movement.credit
        return Line(movement, balance)

    def closing(self) -> dict[str, Money]:
        return {
            c: Money.of(self.balances.get(c, Decimal(0)), c)
            for c in sorted({*self.opening, *self.balances})
        }


async def running_lines(
    balances: RunningBalances, movements: AsyncIterable[Movement]
) -> AsyncIterator[Line]:
    async for movement in movements:
        yield balances.add(movement)

"""Collection KPIs: pure formulas over sums the database computes for a period.

A period runs from ``from`` to ``to``, both days included; its length in days is
``to - from + 1``. "Receivables at a day" is the outstanding amount of the invoices as of
the end of that day (see ``app/domain/reporting/reports.py`` for the as-of rule);
"current" means not yet due on that day (due date on or after it). Every formula is the
standard one, written beside each function, and every division by zero gives ``None``
(null in the API): a ratio of nothing is unknown, not zero.

Days are given with one decimal, percentages with two, rounded half up, each from the exact
quotient (ADD is DSO − best possible DSO before either is rounded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.domain.money import Money

DAYS = Decimal("0.1")
PERCENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class KpiSums:
    """What PostgreSQL sums for one currency over a period (all in that currency).

    - ``opening``: receivables at the end of the day before ``from``.
    - ``billed``: invoices issued in the period (not voided by ``to``).
    - ``collected``: allocations of money received in the period that still counted at ``to``.
    - ``closing``: receivables at the end of ``to``; ``closing_current`` the part not yet due.
    - ``falling_due``: invoices due in the period (not voided by ``to``), whole amounts.
    - ``collected_on_time``: of those, what was received on or before each one's due date.
    - ``disputed`` / ``on_hold``: the part of ``closing`` on disputed / held invoices.
    - ``unbilled``: at ``to``, what installments due HUIKUAN_UNBILLED_AFTER_DAYS before or
      earlier had not invoiced (apart: not in any receivables figure).
    """

    currency: str
    opening: Money
    billed: Money
    collected: Money
    closing: Money
    closing_current: Money
    falling_due: Money
    collected_on_time: Money
    disputed: Money
    on_hold: Money
    unbilled: Money

    def is_zero(self) -> bool:
        """Nothing at all in the period (such a currency is left out of the report)."""
        amounts = (self.opening, self.billed, self.collected, self.closing, self.falling_due)
        return all(m.is_zero() for m in (*amounts, self.collected_on_time, self.unbilled))

    @classmethod
    def empty(cls, currency: str) -> KpiSums:
        zero = Money.zero(currency)
        return cls(currency, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero)


@dataclass(frozen=True, slots=True)
class Kpis:
    currency: str
    period_days: int
    billed: Money
    collected: Money
    opening_receivables: Money
    closing_receivables: Money
    closing_current: Money
    overdue: Money
    disputed: Money
    on_hold: Money
    falling_due: Money
    collected_on_time: Money
    unbilled: Money
    dso: Decimal | None
    best_possible_dso: Decimal | None
    average_days_delinquent: Decimal | None
    cei: Decimal | None
    on_time_rate: Decimal | None


def period_days(start: date, end: date) -> int:
    """Days in a period, both ends included."""
    return (end - start).days + 1


def _quotient(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return None if denominator == 0 else numerator / denominator


def _round(value: Decimal | None, step: Decimal) -> Decimal | None:
    return None if value is None else value.quantize(step, rounding=ROUND_HALF_UP)


def _dso_exact(receivables: Money, billed: Money, days: int) -> Decimal | None:
    return _quotient(receivables.amount * days, billed.amount)


def dso(closing: Money, billed: Money, days: int) -> Decimal | None:
    """Days sales outstanding, simple method: closing receivables ÷ billed in the period ×
    days in the period. None when nothing was billed."""
    return _round(_dso_exact(closing, billed, days), DAYS)


def best_possible_dso(closing_current: Money, billed: Money, days: int) -> Decimal | None:
    """Best possible DSO: current (not yet due) receivables ÷ billed × days. What DSO would
    be if every customer paid exactly on time. None when nothing was billed."""
    return _round(_dso_exact(closing_current, billed, days), DAYS)


def average_days_delinquent(
    closing: Money, closing_current: Money, billed: Money, days: int
) -> Decimal | None:
    """Average days delinquent (ADD): DSO − best possible DSO, that is overdue receivables ÷
    billed × days. None when nothing was billed."""
    total = _dso_exact(closing, billed, days)
    current = _dso_exact(closing_current, billed, days)
    if total is None or current is None:
        return None
    return _round(total - current, DAYS)


def cei(opening: Money, billed: Money, closing: Money, closing_current: Money) -> Decimal | None:
    """Collection effectiveness index, in percent:
    (opening + billed − closing total) ÷ (opening + billed − closing current) × 100.
    100 means everything that could be collected was. None when the denominator is 0."""
    available = opening.amount + billed.amount
    quotient = _quotient(available - closing.amount, available - closing_current.amount)
    return _round(None if quotient is None else quotient * HUNDRED, PERCENT)


def on_time_rate(collected_on_time: Money, falling_due: Money) -> Decimal | None:
    """On-time collection rate, in percent: amount collected by its due date ÷ amount
    falling due in the period × 100. None when nothing fell due."""
    return percent(collected_on_time, falling_due)


def percent(part: Money, whole: Money) -> Decimal | None:
    """``part`` as a percentage of ``whole`` (two decimals); None when ``whole`` is 0."""
    quotient = _quotient(part.amount, whole.amount)
    return _round(None if quotient is None else quotient * HUNDRED, PERCENT)


def ratio_percent(part: int, whole: int) -> Decimal | None:
    """A count as a percentage of another (two decimals); None when ``whole`` is 0."""
    quotient = _quotient(Decimal(part), Decimal(whole))
    return _round(None if quotient is None else quotient * HUNDRED, PERCENT)


def compute_kpis(sums: KpiSums, days: int) -> Kpis:
    """Every KPI of one currency for a period of ``days`` days."""
    return Kpis(
        currency=sums.currency,
        period_days=days,
        billed=sums.billed,
        collected=sums.collected,
        opening_receivables=sums.opening,
        closing_receivables=sums.closing,
        closing_current=sums.closing_current,
        overdue=sums.closing - sums.closing_current,
        disputed=sums.disputed,
        on_hold=sums.on_hold,
        falling_due=sums.falling_due,
        collected_on_time=sums.collected_on_time,
        unbilled=sums.unbilled,
        dso=dso(sums.closing, sums.billed, days),
        best_possible_dso=best_possible_dso(sums.closing_current, sums.billed, days),
        average_days_delinquent=average_days_delinquent(
            sums.closing, sums.closing_current, sums.billed, days
        ),
        cei=cei(sums.opening, sums.billed, sums.closing, sums.closing_current),
        on_time_rate=on_time_rate(sums.collected_on_time, sums.falling_due),
    )

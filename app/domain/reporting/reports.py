"""Reports: ageing buckets, periods, and the shapes of report rows. Pure; the sums come
from PostgreSQL (``app/adapters/db/reporting/reports``).

**As of a day D** (end of that day, in HUIKUAN_TIMEZONE), an invoice's outstanding is 0
when it was issued after D, voided on or before D, or written off on or before D; else its
amount less the allocations that counted on D. An allocation counts on D when its payment
was received on or before D and it is still active, or it was undone by a reversal (a
bounced payment) after D. An allocation undone by hand (a correction) never counts: the
money was applied elsewhere, and counting both would count it twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from app.domain.errors import ValidationFailed
from app.domain.money import Money
from app.domain.reporting.kpis import on_time_rate, percent, ratio_percent

MAX_REPORT_DAYS = 3660  # ten years


class AgingBucket(StrEnum):
    CURRENT = "current"  # not yet due: due on or after the as-of day
    D1_30 = "1_30"
    D31_60 = "31_60"
    D61_90 = "61_90"
    D91_PLUS = "91_plus"


# Days overdue (as-of day − due date) covered by each bucket, both ends included.
BUCKET_DAYS: tuple[tuple[AgingBucket, int | None, int | None], ...] = (
    (AgingBucket.CURRENT, None, 0),
    (AgingBucket.D1_30, 1, 30),
    (AgingBucket.D31_60, 31, 60),
    (AgingBucket.D61_90, 61, 90),
    (AgingBucket.D91_PLUS, 91, None),
)


BUCKETS: tuple[AgingBucket, ...] = tuple(AgingBucket)  # in order; iterating the enum is slow


def bucket_of(days_overdue: int) -> AgingBucket:
    for bucket, low, high in BUCKET_DAYS:
        if (low is None or days_overdue >= low) and (high is None or days_overdue <= high):
            return bucket
    raise AssertionError("the buckets cover every day")  # pragma: no cover


class GroupBy(StrEnum):
    CUSTOMER = "customer"
    OWNER = "owner"
    NONE = "none"
    ORG_UNIT = "org_unit"  # rolled up: each unit's row includes its descendants'
    PROJECT = "project"


class AgingBasis(StrEnum):
    INVOICE = "invoice"  # each invoice's outstanding, by the invoice's due date
    INSTALLMENT = "installment"  # each installment's outstanding, by the installment's


class Interval(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def day_end(day: date, zone: ZoneInfo) -> datetime:
    """The instant a day ends in ``zone``: what happened before it happened "on or before"."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def require_period(start: date, end: date) -> None:
    """A report period: ``from`` not after ``to``, at most ten years (else 422)."""
    if start > end:
        raise ValidationFailed(f"from {start} is after to {end}", ("query", "from"))
    if (end - start).days >= MAX_REPORT_DAYS:
        raise ValidationFailed("a report period is at most ten years", ("query", "to"))


@dataclass(frozen=True, slots=True)
class AgingSums:
    """One row of the ageing query: a group (None in the per-currency total) and its buckets."""

    currency: str
    key: UUID | str | None
    name: str | None
    buckets: Mapping[AgingBucket, Money]
    is_total: bool = False
    parent_id: UUID | None = None  # org units only
    depth: int | None = None  # org units only: a root is at depth 1
    # Installments due HUIKUAN_UNBILLED_AFTER_DAYS ago or more that no invoice covers yet:
    # shown apart, never in the buckets of the invoice basis nor added to the total.
    unbilled: Money | None = None

    @property
    def total(self) -> Money:
        # Buckets are in one currency: add the amounts without checking that again.
        return Money(sum([m.amount for m in self.buckets.values()], Decimal(0)), self.currency)

    def is_zero(self) -> bool:
        nothing_unbilled = self.unbilled is None or self.unbilled.is_zero()
        return nothing_unbilled and all(amount.is_zero() for amount in self.buckets.values())


@dataclass(frozen=True, slots=True)
class GroupLabel:
    """What names one group of a grouped report (key None: the group without one, such as
    the unassigned money)."""

    key: UUID | str | None
    name: str | None = None
    parent_id: UUID | None = None  # org units only
    depth: int | None = None  # org units only: a root is at depth 1


def group_order(
    currency: str, key: object, depth: int | None, total: Money, name: str | None
) -> tuple[str, bool, int, Decimal, str, str]:
    """Within a currency: keyed groups first, shallower units first, largest first."""
    return (currency, key is None, depth or 0, -total.amount, name or "", str(key or ""))


@dataclass(frozen=True, slots=True)
class AgingReport:
    as_of: date
    basis: AgingBasis
    group_by: GroupBy
    currency: str | None
    groups: Sequence[AgingSums]
    totals: Sequence[AgingSums]


def aging_report(
    as_of: date,
    basis: AgingBasis,
    group_by: GroupBy,
    currency: str | None,
    rows: Iterable[AgingSums],
) -> AgingReport:
    """Groups with anything outstanding (largest total first within a currency; by org
    unit, shallower units first; the group without a key last), and one total per
    currency; a currency whose buckets are all zero is left out."""
    rows = [r for r in rows if not r.is_zero()]
    groups = [r for r in rows if not r.is_total and group_by is not GroupBy.NONE]
    groups.sort(key=lambda r: group_order(r.currency, r.key, r.depth, r.total, r.name))
    totals = sorted((r for r in rows if r.is_total), key=lambda r: r.currency)
    return AgingReport(as_of, basis, group_by, currency, groups, totals)


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date


def period_start(day: date, interval: Interval) -> date:
    """The first day of the day's period: itself, its ISO week's Monday, its month's 1st."""
    if interval is Interval.WEEK:
        return day - timedelta(days=day.weekday())
    if interval is Interval.MONTH:
        return day.replace(day=1)
    return day


def _next_start(start: date, interval: Interval) -> date:
    if interval is Interval.WEEK:
        return start + timedelta(days=7)
    if interval is Interval.MONTH:
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def periods(start: date, end: date, interval: Interval) -> list[Period]:
    """Calendar periods (days, ISO weeks from Monday, months) covering ``start..end``, the
    first and last cut to the range."""
    require_period(start, end)
    found = []
    current = period_start(start, interval)
    while current <= end:
        following = _next_start(current, interval)
        found.append(Period(max(current, start), min(following - timedelta(days=1), end)))
        current = following
    return found


class ForecastSource(StrEnum):
    INSTALLMENTS = "installments"  # planned, not yet invoiced, by the installment's due date
    INVOICES = "invoices"  # outstanding not covered by a promise, by the due date
    PROMISES = "promises"  # what is still promised, by the promised date
    # Installments awaiting a milestone (basis: planned), at the milestone's planned date
    # plus the offset, never before today: a late milestone is not overdue money.
    PLANNED = "planned"


@dataclass(frozen=True, slots=True)
class ForecastSums:
    """Expected inflows of one currency on one day (``day`` None: overdue, before today)."""

    currency: str
    day: date | None
    source: ForecastSource
    amount: Money
    label: GroupLabel | None = None  # grouped forecasts only


@dataclass(frozen=True, slots=True)
class ForecastLine:
    currency: str
    period: Period | None  # None: the overdue line
    amounts: Mapping[ForecastSource, Money]

    @property
    def total(self) -> Money:
        return Money.sum(self.amounts.values(), self.currency)


@dataclass(frozen=True, slots=True)
class Forecast:
    start: date
    end: date
    interval: Interval
    today: date
    lines: Sequence[ForecastLine]  # every period for every currency, zeros included
    overdue: Sequence[ForecastLine]  # one per currency: expected before today, still open


def forecast(
    start: date, end: date, interval: Interval, today: date, sums: Iterable[ForecastSums]
) -> Forecast:
    """Slice expected inflows into periods. Every period appears for every currency that
    has anything in the report, so empty periods show as zeros."""
    slices = periods(start, end, interval)
    by_key: dict[tuple[str, date | None], dict[ForecastSource, Money]] = {}
    currencies: set[str] = set()
    for item in sums:
        if item.amount.is_zero():
            continue
        currencies.add(item.currency)
        key = (item.currency, None if item.day is None else period_start(item.day, interval))
        amounts = by_key.setdefault(key, _zeros(item.currency))
        amounts[item.source] = amounts[item.source] + item.amount
    lines = [
        ForecastLine(c, p, by_key.get((c, period_start(p.start, interval)), _zeros(c)))
        for c in sorted(currencies)
        for p in slices
    ]
    overdue = [ForecastLine(c, None, by_key.get((c, None), _zeros(c))) for c in sorted(currencies)]
    return Forecast(start, end, interval, today, lines, overdue)


def _zeros(currency: str) -> dict[ForecastSource, Money]:
    return {source: Money.zero(currency) for source in ForecastSource}


@dataclass(frozen=True, slots=True)
class OwnerMoney:
    """One owner's money figures in one currency, as PostgreSQL sums them."""

    currency: str
    collected: Money
    target_amount: Money
    falling_due: Money
    collected_on_time: Money


@dataclass(frozen=True, slots=True)
class OwnerCounts:
    """One owner's task and promise counts."""

    tasks_done: int = 0
    tasks_overdue: int = 0
    promises_due: int = 0
    promises_kept: int = 0


@dataclass(frozen=True, slots=True)
class OwnerSums:
    owner: str | None  # None: work attributed to nobody (invoices without a contract, ...)
    money: Sequence[OwnerMoney] = ()
    counts: OwnerCounts = field(default_factory=OwnerCounts)


def in_minor_units(amount: Decimal, currency: str) -> Money:
    """An exact sum (a prorated target, say) rounded half up to the currency's minor unit."""
    step = Decimal(1).scaleb(-Money.zero(currency).places)
    return Money(amount.quantize(step, rounding=ROUND_HALF_UP), currency)


@dataclass(frozen=True, slots=True)
class OwnerCurrencyLine:
    currency: str
    collected: Money
    target_amount: Money
    attainment: Decimal | None  # collected ÷ target amount × 100
    falling_due: Money
    collected_on_time: Money
    on_time_rate: Decimal | None  # collected by the due date ÷ falling due × 100


@dataclass(frozen=True, slots=True)
class PerformanceLine:
    owner: str | None
    currencies: Sequence[OwnerCurrencyLine]
    counts: OwnerCounts
    promises_kept_rate: Decimal | None  # kept ÷ due (settled) × 100


def performance_lines(sums: Iterable[OwnerSums]) -> list[PerformanceLine]:
    """Ratios per owner; owners by name (nobody last), currencies by code."""
    lines = [
        PerformanceLine(
            owner=s.owner,
            currencies=[
                OwnerCurrencyLine(
                    currency=m.currency,
                    collected=m.collected,
                    target_amount=m.target_amount,
                    attainment=percent(m.collected, m.target_amount),
                    falling_due=m.falling_due,
                    collected_on_time=m.collected_on_time,
                    on_time_rate=on_time_rate(m.collected_on_time, m.falling_due),
                )
                for m in sorted(s.money, key=lambda m: m.currency)
            ],
            counts=s.counts,
            promises_kept_rate=ratio_percent(s.counts.promises_kept, s.counts.promises_due),
        )
        for s in sums
    ]
    return sorted(lines, key=lambda line: (line.owner is None, line.owner or ""))

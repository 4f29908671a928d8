"""Report use cases: check the parameters, ask PostgreSQL for the sums (one statement per
report, ``ReportQueries``), and shape them with the pure functions of the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from app.domain.errors import NotFound
from app.domain.reporting.kpis import Kpis, compute_kpis, period_days
from app.domain.reporting.reports import (
    AgingBasis,
    AgingReport,
    Forecast,
    GroupBy,
    Interval,
    PerformanceLine,
    aging_report,
    day_end,
    forecast,
    performance_lines,
    require_period,
)
from app.domain.reporting.retention import RetentionGroupBy, RetentionReport, retention_report
from app.domain.reporting.target_curve import ProgressCurve, progress_curve
from app.services.context import Clock
from app.services.reporting.ports import (
    AgingQuery,
    AsOf,
    ForecastQuery,
    KpiQuery,
    PerformanceQuery,
    ReportingUnitOfWork,
    RetentionQuery,
)

DEFAULT_PERIOD_DAYS = 30  # KPIs and performance without ``from``: the 30 days ending ``to``
DEFAULT_FORECAST_DAYS = 90  # a forecast without ``to``: 90 days from ``from``


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date


def _as_of(clock: Clock, day: date) -> AsOf:
    return AsOf(day, day_end(day, clock.zone))


def past_period(clock: Clock, start: date | None, end: date | None) -> Period:
    """``to`` defaults to today, ``from`` to 30 days ending ``to``; from after to: 422."""
    last = end or clock.today()
    first = start or last - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    require_period(first, last)
    return Period(first, last)


async def aging(
    uow: ReportingUnitOfWork,
    clock: Clock,
    as_of: date | None = None,
    group_by: GroupBy = GroupBy.CUSTOMER,
    basis: AgingBasis = AgingBasis.INVOICE,
    currency: str | None = None,
    unbilled_after_days: int = 7,
) -> AgingReport:
    """Outstanding per ageing bucket as of a day (default today), per group and currency,
    with what is unbilled on that day apart."""
    day = as_of or clock.today()
    query = AgingQuery(_as_of(clock, day), group_by, basis, currency, unbilled_after_days)
    rows = await uow.reports.aging(query)
    return aging_report(day, basis, group_by, currency, rows)


@dataclass(frozen=True, slots=True)
class KpiReport:
    period: Period
    kpis: list[Kpis]  # one per currency with anything in the period


async def kpis(
    uow: ReportingUnitOfWork,
    clock: Clock,
    start: date | None = None,
    end: date | None = None,
    currency: str | None = None,
    unbilled_after_days: int = 7,
) -> KpiReport:
    """Billed, collected, DSO, best possible DSO, ADD, CEI, on-time rate, overdue, disputed
    and on-hold amounts per currency over a period (formulas in
    ``app/domain/reporting/kpis.py``)."""
    period = past_period(clock, start, end)
    query = KpiQuery(
        before=_as_of(clock, period.start - timedelta(days=1)),
        start=period.start,
        end=_as_of(clock, period.end),
        currency=currency,
        unbilled_after_days=unbilled_after_days,
    )
    sums = await uow.reports.kpi_sums(query)
    days = period_days(period.start, period.end)
    return KpiReport(period, [compute_kpis(s, days) for s in sums if not s.is_zero()])


async def forecast_report(
    uow: ReportingUnitOfWork,
    clock: Clock,
    start: date | None = None,
    end: date | None = None,
    interval: Interval = Interval.WEEK,
    currency: str | None = None,
) -> Forecast:
    """Expected inflows per week or month from open installments, invoices and promises;
    what was expected before today shows apart as overdue."""
    today = clock.today()
    first = start or today
    last = end or first + timedelta(days=DEFAULT_FORECAST_DAYS - 1)
    require_period(first, last)
    query = ForecastQuery(first, last, today, currency)
    sums = await uow.reports.forecast_sums(query)
    return forecast(first, last, interval, today, sums)


@dataclass(frozen=True, slots=True)
class PerformanceReport:
    period: Period
    today: date
    lines: list[PerformanceLine]


async def performance(
    uow: ReportingUnitOfWork,
    clock: Clock,
    start: date | None = None,
    end: date | None = None,
    currency: str | None = None,
) -> PerformanceReport:
    """Per owner: collected, target amount, attainment, on-time rate, tasks done and
    overdue, promises kept rate."""
    period = past_period(clock, start, end)
    zone = clock.zone
    query = PerformanceQuery(
        start=_as_of(clock, period.start),
        end=_as_of(clock, period.end),
        period_start_at=datetime.combine(period.start, time(0), tzinfo=zone),
        today=clock.today(),
        zone=zone.key,
        currency=currency,
    )
    sums = await uow.reports.performance_sums(query)
    return PerformanceReport(period, query.today, performance_lines(sums))


async def target_progress(
    uow: ReportingUnitOfWork, clock: Clock, target_id: UUID, interval: Interval = Interval.DAY
) -> ProgressCurve:
    """A target's cumulative collected curve beside its expected curve."""
    target = await uow.targets.get(target_id)
    if target is None:
        raise NotFound("target", target_id)
    daily = await uow.reports.target_daily(target)
    return progress_curve(target, daily.collected, daily.planned, clock.today(), interval)


async def retention(
    uow: ReportingUnitOfWork,
    clock: Clock,
    as_of: date | None = None,
    group_by: RetentionGroupBy = RetentionGroupBy.CUSTOMER,
    currency: str | None = None,
) -> RetentionReport:
    """Retention money held by customers as of a day (default today), by customer."""
    day = as_of or clock.today()
    lines = await uow.reports.retention_lines(RetentionQuery(_as_of(clock, day), currency))
    return retention_report(day, group_by, lines)

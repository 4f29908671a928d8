"""Report use cases: check the parameters, ask PostgreSQL for the sums (one statement per
report, ``ReportQueries``), and shape them with the pure functions of the domain."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from uuid import UUID

from app.domain.errors import NotFound, ValidationFailed
from app.domain.reporting.kpis import Kpis, compute_kpis, period_days
from app.domain.reporting.reports import (
    AgingBasis,
    AgingReport,
    Forecast,
    ForecastSums,
    GroupBy,
    GroupLabel,
    Interval,
    OwnerSums,
    PerformanceLine,
    aging_report,
    day_end,
    forecast,
    group_order,
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


async def aging_json(
    uow: ReportingUnitOfWork,
    clock: Clock,
    as_of: date | None = None,
    group_by: GroupBy = GroupBy.CUSTOMER,
    basis: AgingBasis = AgingBasis.INVOICE,
    currency: str | None = None,
    unbilled_after_days: int = 7,
) -> bytes:
    """The ageing report as ``aging_document`` writes it, its rows rendered as JSON by the
    database: a report by customer has a row per customer, and building each one in Python
    cost several times the query (decision 0089)."""
    day = as_of or clock.today()
    query = AgingQuery(_as_of(clock, day), group_by, basis, currency, unbilled_after_days)
    groups, totals = await uow.reports.aging_json(query)
    head = {"as_of": day.isoformat(), "basis": basis.value, "group_by": group_by.value}
    opening = json.dumps({**head, "currency": currency}, ensure_ascii=False)[:-1]
    return f'{opening}, "groups": {groups}, "totals": {totals}}}'.encode()


@dataclass(frozen=True, slots=True)
class KpiReport:
    period: Period
    kpis: list[Kpis]  # one per currency with anything in the period
    group_by: GroupBy = GroupBy.NONE
    groups: list[tuple[GroupLabel, Kpis]] = field(default_factory=list)


async def kpis(
    uow: ReportingUnitOfWork,
    clock: Clock,
    start: date | None = None,
    end: date | None = None,
    currency: str | None = None,
    group_by: GroupBy = GroupBy.NONE,
    unbilled_after_days: int = 7,
) -> KpiReport:
    """Billed, collected, DSO, best possible DSO, ADD, CEI, on-time rate, overdue, disputed
    and on-hold amounts per currency over a period (formulas in
    ``app/domain/reporting/kpis.py``); with ``group_by``, per group and currency too."""
    period = past_period(clock, start, end)
    query = KpiQuery(
        before=_as_of(clock, period.start - timedelta(days=1)),
        start=period.start,
        end=_as_of(clock, period.end),
        currency=currency,
        group_by=group_by,
        unbilled_after_days=unbilled_after_days,
    )
    days = period_days(period.start, period.end)
    if group_by is GroupBy.NONE:
        sums = await uow.reports.kpi_sums(query)
        return KpiReport(period, [compute_kpis(s, days) for s in sums if not s.is_zero()])
    rows = [r for r in await uow.reports.kpi_groups(query) if not r.sums.is_zero()]
    totals = sorted((r.sums for r in rows if r.label is None), key=lambda s: s.currency)
    groups = [(r.label, compute_kpis(r.sums, days)) for r in rows if r.label is not None]
    groups.sort(
        key=lambda g: group_order(
            g[1].currency, g[0].key, g[0].depth, g[1].closing_receivables, g[0].name
        )
    )
    return KpiReport(period, [compute_kpis(s, days) for s in totals], group_by, groups)


async def forecast_report(
    uow: ReportingUnitOfWork,
    clock: Clock,
    start: date | None = None,
    end: date | None = None,
    interval: Interval = Interval.WEEK,
    currency: str | None = None,
    group_by: GroupBy = GroupBy.NONE,
) -> ForecastReport:
    """Expected inflows per week or month from open installments, invoices and promises;
    what was expected before today shows apart as overdue. With ``group_by``, the same per
    group (units as assigned at the end of today)."""
    today = clock.today()
    first = start or today
    last = end or first + timedelta(days=DEFAULT_FORECAST_DAYS - 1)
    require_period(first, last)
    query = ForecastQuery(first, last, today, currency)
    sums = await uow.reports.forecast_sums(query)
    whole = forecast(first, last, interval, today, sums)
    if group_by is GroupBy.NONE:
        return ForecastReport(whole)
    grouped = replace(query, group_by=group_by, end_at=day_end(today, clock.zone))
    by_group: dict[GroupLabel, list[ForecastSums]] = {}
    for item in await uow.reports.forecast_sums(grouped):
        assert item.label is not None
        by_group.setdefault(item.label, []).append(item)
    groups = [(label, forecast(first, last, interval, today, s)) for label, s in by_group.items()]
    groups.sort(key=lambda g: (g[0].key is None, g[0].depth or 0, g[0].name or "", str(g[0].key)))
    return ForecastReport(whole, group_by, groups)


@dataclass(frozen=True, slots=True)
class ForecastReport:
    whole: Forecast
    group_by: GroupBy = GroupBy.NONE
    groups: list[tuple[GroupLabel, Forecast]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PerformanceReport:
    period: Period
    today: date
    lines: list[PerformanceLine]  # per owner; grouped, one per group (``groups``' labels)
    group_by: GroupBy = GroupBy.NONE
    labels: list[GroupLabel] = field(default_factory=list)


def performance_query(
    clock: Clock,
    start: date | None = None,
    end: date | None = None,
    currency: str | None = None,
    group_by: GroupBy = GroupBy.NONE,
) -> tuple[Period, PerformanceQuery]:
    if group_by in (GroupBy.CUSTOMER, GroupBy.OWNER):
        raise ValidationFailed(
            "performance is per owner; group it by org_unit or project", ("query", "group_by")
        )
    period = past_period(clock, start, end)
    zone = clock.zone
    query = PerformanceQuery(
        start=_as_of(clock, period.start),
        end=_as_of(clock, period.end),
        period_start_at=datetime.combine(period.start, time(0), tzinfo=zone),
        today=clock.today(),
        zone=zone.key,
        currency=currency,
        group_by=group_by,
    )
    return period, query


def performance_report(
    period: Period, query: PerformanceQuery, sums: Iterable[OwnerSums]
) -> PerformanceReport:
    """Per owner: the lines of ``sums`` as the performance report gives them."""
    return PerformanceReport(period, query.today, performance_lines(sums))


def grouped_performance_report(
    period: Period, query: PerformanceQuery, grouped: Sequence[tuple[GroupLabel, OwnerSums]]
) -> PerformanceReport:
    """Per group (its key standing for the owner): units shallower first, then by name."""
    labels = {s.owner: label for label, s in grouped}
    lines = performance_lines(s for _, s in grouped)
    ordered = sorted(
        lines,
        key=lambda line: (
            line.owner is None,
            labels[line.owner].depth or 0,
            labels[line.owner].name or "",
            str(line.owner),
        ),
    )
    return PerformanceReport(
        period, query.today, ordered, query.group_by, [labels[line.owner] for line in ordered]
    )


async def performance(
    uow: ReportingUnitOfWork,
    clock: Clock,
    start: date | None = None,
    end: date | None = None,
    currency: str | None = None,
    group_by: GroupBy = GroupBy.NONE,
) -> PerformanceReport:
    """Per owner (or per org unit, rolled up, or per project): collected, target amount,
    attainment, on-time rate, tasks done and overdue, promises kept rate."""
    period, query = performance_query(clock, start, end, currency, group_by)
    if group_by is GroupBy.NONE:
        return performance_report(period, query, await uow.reports.performance_sums(query))
    return grouped_performance_report(period, query, await uow.reports.performance_groups(query))


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
    """Retention money held by customers as of a day (default today), by customer,
    project or org unit (rolled up)."""
    day = as_of or clock.today()
    query = RetentionQuery(_as_of(clock, day), currency, group_by.value)
    lines = await uow.reports.retention_lines(query)
    return retention_report(day, group_by, lines)

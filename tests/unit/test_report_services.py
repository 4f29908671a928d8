"""Report use cases on the fakes: defaults, checks, the days and instants they ask for."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from app.domain.collection.targets import ExpectedBasis, Target, TargetScope
from app.domain.errors import NotFound, ValidationFailed
from app.domain.money import Money
from app.domain.reporting.kpis import KpiSums
from app.domain.reporting.reports import AgingBasis, AgingBucket, AgingSums, GroupBy, Interval
from app.services.reporting import reports
from app.services.reporting.ports import (
    AgingQuery,
    DailyProgress,
    ForecastQuery,
    KpiQuery,
    PerformanceQuery,
)
from tests.fakes import FakeUnitOfWork, FixedClock
from tests.unit.builders import NOW


def cny(amount: str | int) -> Money:
    return Money.of(amount, "CNY")


def usd(amount: str | int) -> Money:
    return Money.of(amount, "USD")


async def test_aging_asks_for_the_end_of_the_day_in_the_service_zone() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock()
    buckets = {b: cny(0) for b in AgingBucket}
    uow.reports.aging_rows = [
        AgingSums("CNY", None, None, {**buckets, AgingBucket.CURRENT: cny(5)}, True)
    ]
    report = await reports.aging(uow, clock)
    (query,) = uow.reports.asked
    assert isinstance(query, AgingQuery)
    assert query.as_of.day == date(2026, 11, 27)  # 08:00 UTC is 16:00 in Shanghai
    assert query.as_of.end.astimezone(UTC) == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    assert (query.group_by, query.basis) == (GroupBy.CUSTOMER, AgingBasis.INVOICE)
    assert [t.total for t in report.totals] == [cny(5)]
    late = FixedClock(datetime(2026, 11, 27, 17, 0, tzinfo=UTC))  # 11-28 01:00 in Shanghai
    await reports.aging(uow, late, group_by=GroupBy.NONE, basis=AgingBasis.INSTALLMENT)
    assert uow.reports.asked[-1].as_of.day == date(2026, 11, 28)
    utc = FixedClock(datetime(2026, 11, 27, 17, 0, tzinfo=UTC), zone="UTC")
    await reports.aging(uow, utc, as_of=date(2026, 1, 31))
    assert uow.reports.asked[-1].as_of.end == datetime(2026, 2, 1, tzinfo=UTC)


async def test_kpis_ask_for_the_day_before_the_period_and_its_last_day() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock()
    uow.reports.kpi_rows = [KpiSums.empty("EUR"), replace(KpiSums.empty("USD"), billed=usd(1))]
    report = await reports.kpis(uow, clock, date(2026, 11, 1), date(2026, 11, 20), "USD")
    (query,) = uow.reports.asked
    assert isinstance(query, KpiQuery)
    assert (query.before.day, query.start, query.end.day, query.currency) == (
        date(2026, 10, 31),
        date(2026, 11, 1),
        date(2026, 11, 20),
        "USD",
    )
    assert [(k.currency, k.period_days) for k in report.kpis] == [("USD", 20)]  # EUR: nothing
    default = await reports.kpis(uow, clock)
    assert (default.period.start, default.period.end) == (date(2026, 10, 29), date(2026, 11, 27))


async def test_a_period_that_ends_before_it_starts_is_refused_before_any_query() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock()
    with pytest.raises(ValidationFailed):
        await reports.kpis(uow, clock, date(2026, 11, 2), date(2026, 11, 1))
    with pytest.raises(ValidationFailed):
        await reports.performance(uow, clock, date(2026, 11, 2), date(2026, 11, 1))
    with pytest.raises(ValidationFailed):
        await reports.forecast_report(uow, clock, date(2026, 12, 2), date(2026, 12, 1))
    assert uow.reports.asked == []


async def test_forecast_defaults_to_90_days_from_today() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock()
    report = await reports.forecast_report(uow, clock, interval=Interval.MONTH)
    (query,) = uow.reports.asked
    assert isinstance(query, ForecastQuery)
    assert (query.start, query.end, query.today) == (
        date(2026, 11, 27),
        date(2027, 2, 24),
        date(2026, 11, 27),
    )
    assert (report.whole.lines, report.whole.overdue) == ([], [])


async def test_performance_asks_with_the_zone_and_the_instant_the_period_starts() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock()
    await reports.performance(uow, clock, date(2026, 11, 1), date(2026, 11, 20))
    (query,) = uow.reports.asked
    assert isinstance(query, PerformanceQuery)
    assert query.zone == "Asia/Shanghai"
    assert query.period_start_at.astimezone(UTC) == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert query.end.end.astimezone(UTC) == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    assert query.today == date(2026, 11, 27)


async def test_target_progress() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock()
    with pytest.raises(NotFound):
        await reports.target_progress(uow, clock, uuid4())
    target = Target(
        id=uuid4(),
        name="十一月",
        amount=cny(1000),
        period_start=date(2026, 11, 26),
        period_end=date(2026, 11, 28),
        scope=TargetScope.ORG,
        created_at=NOW,
        updated_at=NOW,
    )
    await uow.targets.add(target)
    uow.reports.daily = DailyProgress(
        collected={date(2026, 11, 26): cny(100), date(2026, 11, 27): cny(50)},
        planned={date(2026, 11, 27): cny(400), date(2026, 11, 28): cny(100)},
    )
    curve = await reports.target_progress(uow, clock, target.id)
    assert curve.expected_basis is ExpectedBasis.PLAN
    assert [(p.day.day, p.collected, p.expected) for p in curve.points] == [
        (26, cny(100), cny(0)),
        (27, cny(150), cny(800)),  # 1000 × 400 / 500
        (28, None, cny(1000)),
    ]

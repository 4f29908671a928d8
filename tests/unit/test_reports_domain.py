"""Report building blocks: buckets, periods, forecast slicing, row shapes, tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import ValidationFailed
from app.domain.money import Money
from app.domain.reporting.report_tables import aging_table, forecast_table, performance_table
from app.domain.reporting.reports import (
    AgingBasis,
    AgingBucket,
    AgingSums,
    ForecastSource,
    ForecastSums,
    GroupBy,
    Interval,
    OwnerCounts,
    OwnerMoney,
    OwnerSums,
    Period,
    aging_report,
    bucket_of,
    day_end,
    forecast,
    in_minor_units,
    performance_lines,
    periods,
    require_period,
)


def cny(amount: str | int) -> Money:
    return Money.of(amount, "CNY")


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-400, AgingBucket.CURRENT),
        (0, AgingBucket.CURRENT),
        (1, AgingBucket.D1_30),
        (30, AgingBucket.D1_30),
        (31, AgingBucket.D31_60),
        (60, AgingBucket.D31_60),
        (61, AgingBucket.D61_90),
        (90, AgingBucket.D61_90),
        (91, AgingBucket.D91_PLUS),
        (5000, AgingBucket.D91_PLUS),
    ],
)
def test_buckets_by_days_overdue(days: int, bucket: AgingBucket) -> None:
    assert bucket_of(days) is bucket


@given(st.integers(min_value=-10_000, max_value=10_000))
def test_every_day_falls_in_exactly_one_bucket(days: int) -> None:
    from app.domain.reporting.reports import BUCKET_DAYS

    holding = [
        b
        for b, low, high in BUCKET_DAYS
        if (low is None or days >= low) and (high is None or days <= high)
    ]
    assert holding == [bucket_of(days)]


def test_a_day_ends_at_the_next_midnight_in_the_zone() -> None:
    shanghai = day_end(date(2026, 11, 25), ZoneInfo("Asia/Shanghai"))
    assert shanghai.astimezone(UTC) == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    new_york = day_end(date(2026, 3, 7), ZoneInfo("America/New_York"))  # DST starts 03-08
    assert new_york.astimezone(UTC) == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)


def test_report_periods_are_checked() -> None:
    require_period(date(2026, 11, 1), date(2026, 11, 1))
    with pytest.raises(ValidationFailed, match="after"):
        require_period(date(2026, 11, 2), date(2026, 11, 1))
    with pytest.raises(ValidationFailed, match="ten years"):
        require_period(date(2015, 1, 1), date(2026, 1, 1))


def test_weeks_start_on_monday_and_the_ends_are_cut() -> None:
    found = periods(date(2026, 11, 27), date(2026, 12, 9), Interval.WEEK)
    assert found == [
        Period(date(2026, 11, 27), date(2026, 11, 29)),
        Period(date(2026, 11, 30), date(2026, 12, 6)),
        Period(date(2026, 12, 7), date(2026, 12, 9)),
    ]


def test_months_cover_february_and_the_year_end() -> None:
    found = periods(date(2027, 12, 15), date(2028, 3, 1), Interval.MONTH)
    assert found == [
        Period(date(2027, 12, 15), date(2027, 12, 31)),
        Period(date(2028, 1, 1), date(2028, 1, 31)),
        Period(date(2028, 2, 1), date(2028, 2, 29)),
        Period(date(2028, 3, 1), date(2028, 3, 1)),
    ]
    assert len(periods(date(2026, 1, 1), date(2026, 1, 3), Interval.DAY)) == 3


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)),
    span=st.integers(min_value=0, max_value=800),
    interval=st.sampled_from(list(Interval)),
)
def test_periods_tile_the_range(start: date, span: int, interval: Interval) -> None:
    end = date.fromordinal(start.toordinal() + span)
    found = periods(start, end, interval)
    assert found[0].start == start
    assert found[-1].end == end
    for before, after in pairwise(found):
        assert after.start.toordinal() == before.end.toordinal() + 1


def test_forecast_slices_days_into_periods_with_zeros_and_overdue_apart() -> None:
    sums = [
        ForecastSums("CNY", date(2026, 12, 3), ForecastSource.INVOICES, cny(100)),
        ForecastSums("CNY", date(2026, 12, 5), ForecastSource.INVOICES, cny(50)),
        ForecastSums("CNY", date(2026, 12, 5), ForecastSource.PROMISES, cny(20)),
        ForecastSums("CNY", None, ForecastSource.INSTALLMENTS, cny(7)),
        ForecastSums("USD", date(2026, 12, 20), ForecastSource.INVOICES, Money.of(1, "USD")),
        ForecastSums("JPY", date(2026, 12, 20), ForecastSource.INVOICES, Money.zero("JPY")),
    ]
    report = forecast(
        date(2026, 11, 27), date(2026, 12, 13), Interval.WEEK, date(2026, 11, 27), sums
    )
    cny_lines = [line for line in report.lines if line.currency == "CNY"]
    assert [line.total for line in cny_lines] == [cny(0), cny(170), cny(0)]
    assert cny_lines[1].amounts[ForecastSource.INVOICES] == cny(150)
    assert [line.currency for line in report.lines].count("USD") == 3  # zeros in range
    assert [(o.currency, o.total) for o in report.overdue] == [
        ("CNY", cny(7)),
        ("USD", Money.zero("USD")),
    ]
    table = forecast_table(report)
    assert table.columns[-5:] == ("installments", "invoices", "promises", "planned", "total")
    assert table.rows[1] == (
        "period",
        "CNY",
        "2026-11-30",
        "2026-12-06",
        "0.00",
        "150.00",
        "20.00",
        "0.00",
        "170.00",
    )
    assert table.rows[-2] == ("overdue", "CNY", "", "", "7.00", "0.00", "0.00", "0.00", "7.00")


def _aging(currency: str, key: str | None, amount: int, total: bool = False) -> AgingSums:
    buckets = {b: Money.zero(currency) for b in AgingBucket}
    buckets[AgingBucket.D1_30] = Money.of(amount, currency)
    return AgingSums(currency, key, f"name {key}", buckets, total)


def test_aging_rows_largest_first_zero_groups_left_out() -> None:
    rows = [
        _aging("USD", "u", 5),
        _aging("CNY", "small", 10),
        _aging("CNY", "big", 900),
        _aging("CNY", "nothing", 0),
        _aging("CNY", None, 910, total=True),
        _aging("USD", None, 5, total=True),
        _aging("JPY", None, 0, total=True),
    ]
    report = aging_report(date(2026, 11, 27), AgingBasis.INVOICE, GroupBy.OWNER, None, rows)
    assert [(g.currency, g.key) for g in report.groups] == [
        ("CNY", "big"),
        ("CNY", "small"),
        ("USD", "u"),
    ]
    assert [t.currency for t in report.totals] == ["CNY", "USD"]
    assert report.totals[0].total == cny(910)
    table = aging_table(report)
    assert table.columns == (
        "line", "currency", "owner", "current", "1_30", "31_60", "61_90", "91_plus", "total",
        "unbilled",
    )  # fmt: skip
    assert table.rows[0] == (
        "group",
        "CNY",
        "big",
        "0.00",
        "900.00",
        "0.00",
        "0.00",
        "0.00",
        "900.00",
        "0.00",
    )
    assert table.rows[3] == (
        "total", "CNY", "", "0.00", "910.00", "0.00", "0.00", "0.00", "910.00", "0.00",
    )  # fmt: skip


def test_performance_ratios_and_order() -> None:
    sums = [
        OwnerSums(None, [OwnerMoney("CNY", cny(1), cny(0), cny(0), cny(0))]),
        OwnerSums("u-b", [], OwnerCounts(tasks_done=3, promises_due=3, promises_kept=2)),
        OwnerSums(
            "u-a",
            [
                OwnerMoney("USD", *(Money.of(x, "USD") for x in (5, 10, 4, 1))),
                OwnerMoney("CNY", cny(150), cny(200), cny(100), cny(75)),
            ],
        ),
    ]
    lines = performance_lines(sums)
    assert [line.owner for line in lines] == ["u-a", "u-b", None]
    a_cny, a_usd = lines[0].currencies
    assert (a_cny.currency, a_cny.attainment, a_cny.on_time_rate) == (
        "CNY",
        Decimal("75.00"),
        Decimal("75.00"),
    )
    assert (a_usd.attainment, a_usd.on_time_rate) == (Decimal("50.00"), Decimal("25.00"))
    assert lines[1].promises_kept_rate == Decimal("66.67")
    assert (lines[2].currencies[0].attainment, lines[0].promises_kept_rate) == (None, None)
    rows = performance_table(lines).rows
    assert [r[:2] for r in rows] == [("u-a", "CNY"), ("u-a", "USD"), ("u-b", ""), ("", "CNY")]
    assert rows[2][-5:] == ("3", "0", "3", "2", "66.67")


def test_prorated_sums_round_half_up_to_the_minor_unit() -> None:
    assert in_minor_units(Decimal("673.913043"), "CNY") == cny("673.91")
    assert in_minor_units(Decimal("0.005"), "CNY") == cny("0.01")
    assert in_minor_units(Decimal("10.5"), "JPY") == Money.of(11, "JPY")

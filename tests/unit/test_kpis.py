"""KPI formulas against hand-computed examples (app/domain/reporting/kpis.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.domain.money import Money
from app.domain.reporting.kpis import (
    KpiSums,
    average_days_delinquent,
    best_possible_dso,
    cei,
    compute_kpis,
    dso,
    on_time_rate,
    percent,
    period_days,
    ratio_percent,
)


def cny(amount: str | int | Decimal) -> Money:
    return Money.of(amount, "CNY")


def test_a_period_counts_both_ends() -> None:
    assert period_days(date(2026, 11, 1), date(2026, 11, 30)) == 30
    assert period_days(date(2026, 11, 27), date(2026, 11, 27)) == 1
    assert period_days(date(2028, 2, 1), date(2028, 2, 29)) == 29


def test_the_textbook_example() -> None:
    """Opening 100,000, billed 50,000 in 30 days, closing 80,000 of which 60,000 current."""
    opening, billed, closing, current = cny(100000), cny(50000), cny(80000), cny(60000)
    assert dso(closing, billed, 30) == Decimal("48.0")  # 80000 / 50000 × 30
    assert best_possible_dso(current, billed, 30) == Decimal("36.0")  # 60000 / 50000 × 30
    assert average_days_delinquent(closing, current, billed, 30) == Decimal("12.0")
    # (100000 + 50000 - 80000) / (100000 + 50000 - 60000) = 70000 / 90000
    assert cei(opening, billed, closing, current) == Decimal("77.78")


def test_rounding_is_half_up_from_the_exact_quotient() -> None:
    # 1000 / 3000 × 31 = 10.3333 -> 10.3; 2000 / 3000 × 31 = 20.6666 -> 20.7
    assert dso(cny(1000), cny(3000), 31) == Decimal("10.3")
    assert dso(cny(2000), cny(3000), 31) == Decimal("20.7")
    # ADD from the exact values: 20.6666 - 10.3333 = 10.3333 -> 10.3 (not 20.7 - 10.3 = 10.4)
    assert average_days_delinquent(cny(2000), cny(1000), cny(3000), 31) == Decimal("10.3")
    assert dso(cny("0.50"), cny(4), 1) == Decimal("0.1")  # 0.125 -> 0.1
    assert dso(cny("0.60"), cny(4), 1) == Decimal("0.2")  # 0.15 -> 0.2 (half up)
    assert on_time_rate(cny(2), cny(3)) == Decimal("66.67")
    assert on_time_rate(cny(1), cny(8)) == Decimal("12.50")


def test_division_by_zero_is_none() -> None:
    zero = cny(0)
    assert dso(cny(100), zero, 30) is None
    assert best_possible_dso(cny(100), zero, 30) is None
    assert average_days_delinquent(cny(100), cny(50), zero, 30) is None
    assert cei(zero, zero, zero, zero) is None
    # Everything that was there is still current: nothing could be collected.
    assert cei(cny(100), zero, cny(100), cny(100)) is None
    assert on_time_rate(zero, zero) is None
    assert percent(cny(5), zero) is None
    assert ratio_percent(0, 0) is None
    assert ratio_percent(1, 3) == Decimal("33.33")


def test_cei_is_100_when_everything_collectable_came_in() -> None:
    # Only current receivables remain: all that was due was collected.
    assert cei(cny(500), cny(1000), cny(300), cny(300)) == Decimal("100.00")
    # Nothing collected, all of it overdue now.
    assert cei(cny(500), cny(1000), cny(1500), cny(0)) == Decimal("0.00")


def test_compute_kpis_puts_them_together() -> None:
    sums = KpiSums(
        currency="CNY",
        opening=cny(1800),
        billed=cny(4000),
        collected=cny(3100),
        closing=cny(1900),
        closing_current=cny(500),
        falling_due=cny(4500),
        collected_on_time=cny(3000),
        disputed=cny(1000),
        on_hold=cny(500),
        unbilled=cny(700),
    )
    kpis = compute_kpis(sums, 20)
    assert kpis.unbilled == cny(700)
    assert (kpis.dso, kpis.best_possible_dso, kpis.average_days_delinquent) == (
        Decimal("9.5"),
        Decimal("2.5"),
        Decimal("7.0"),
    )
    assert (kpis.cei, kpis.on_time_rate) == (Decimal("73.58"), Decimal("66.67"))
    assert kpis.overdue == cny(1400)
    assert (kpis.disputed, kpis.on_hold, kpis.period_days) == (cny(1000), cny(500), 20)
    empty = compute_kpis(KpiSums.empty("JPY"), 7)
    assert (empty.dso, empty.cei, empty.on_time_rate) == (None, None, None)
    assert empty.billed == Money.zero("JPY")


amounts = st.decimals(min_value=0, max_value=10**9, places=2)


@given(closing=amounts, current=amounts, billed=amounts.filter(lambda d: d > 0))
def test_add_is_dso_less_best_possible_dso(
    closing: Decimal, current: Decimal, billed: Decimal
) -> None:
    current = min(current, closing)
    total = dso(cny(closing), cny(billed), 30)
    best = best_possible_dso(cny(current), cny(billed), 30)
    add = average_days_delinquent(cny(closing), cny(current), cny(billed), 30)
    assert total is not None
    assert best is not None
    assert add is not None
    assert abs(add - (total - best)) <= Decimal("0.1")  # each is rounded on its own
    assert add >= 0

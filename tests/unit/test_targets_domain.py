"""Targets: pace thresholds, expected-to-date rules and the progress figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.collection.targets import (
    ExpectedBasis,
    Pace,
    ProgressSums,
    Target,
    TargetScope,
    TargetStatus,
    change_target,
    expected_to_date,
    pace,
    parse_scope_id,
    target_progress,
)
from app.domain.errors import ValidationFailed
from app.domain.money import Money
from tests.unit.builders import NOW


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def a_target(
    amount: str = "1000.00",
    start: date = date(2026, 11, 1),
    end: date = date(2026, 11, 30),
    scope: TargetScope = TargetScope.ORG,
    scope_id: object = None,
) -> Target:
    return Target(
        id=uuid4(),
        name="十一月回款",
        amount=cny(amount),
        period_start=start,
        period_end=end,
        scope=scope,
        scope_id=scope_id,  # type: ignore[arg-type]
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize(
    ("collected", "expected", "wanted"),
    [
        ("105.00", "100.00", Pace.AHEAD),
        ("104.99", "100.00", Pace.ON_TRACK),
        ("95.00", "100.00", Pace.ON_TRACK),
        ("94.99", "100.00", Pace.AT_RISK),
        ("80.00", "100.00", Pace.AT_RISK),
        ("79.99", "100.00", Pace.BEHIND),
        ("0.00", "100.00", Pace.BEHIND),
        ("0.00", "0.00", Pace.ON_TRACK),  # nothing expected yet, nothing collected
        ("1.00", "0.00", Pace.AHEAD),
    ],
)
def test_pace_thresholds(collected: str, expected: str, wanted: Pace) -> None:
    assert pace(cny(collected), cny(expected)) is wanted


@given(st.integers(0, 10**9), st.integers(1, 10**9))
def test_pace_never_falls_as_collection_grows(collected: int, expected: int) -> None:
    order = list(Pace)[::-1]  # behind, at_risk, on_track, ahead
    less = pace(Money(Decimal(collected), "CNY"), Money(Decimal(expected), "CNY"))
    more = pace(Money(Decimal(collected + 1), "CNY"), Money(Decimal(expected), "CNY"))
    assert order.index(more) >= order.index(less)


def test_straight_line_counts_the_days_before_today() -> None:
    target = a_target("3000.00")  # 30 days, 100 a day
    zero = cny("0")
    assert expected_to_date(target, zero, zero, date(2026, 10, 20)) == (
        cny("0.00"),
        ExpectedBasis.STRAIGHT_LINE,
    )
    assert expected_to_date(target, zero, zero, date(2026, 11, 1))[0] == cny("0.00")
    assert expected_to_date(target, zero, zero, date(2026, 11, 11))[0] == cny("1000.00")
    assert expected_to_date(target, zero, zero, date(2026, 11, 30))[0] == cny("2900.00")
    assert expected_to_date(target, zero, zero, date(2026, 12, 1))[0] == cny("3000.00")


def test_plan_shape_spreads_the_target_amount_and_rounds_down() -> None:
    target = a_target("1000.00")
    got = expected_to_date(target, cny("300.00"), cny("100.00"), date(2026, 11, 15))
    assert got == (cny("333.33"), ExpectedBasis.PLAN)
    assert expected_to_date(target, cny("300.00"), cny("300.00"), date(2026, 11, 15))[0] == (
        cny("1000.00")
    )


def test_progress_mid_period() -> None:
    target = a_target("3000.00")
    sums = ProgressSums(cny("600.00"), cny("0"), cny("0"))
    progress = target_progress(target, sums, date(2026, 11, 11))
    assert progress.collected == cny("600.00")
    assert progress.remaining == cny("2400.00")
    assert progress.percent == Decimal("20.00")
    assert progress.expected_to_date == cny("1000.00")
    assert progress.pace is Pace.BEHIND
    assert progress.status is TargetStatus.ACTIVE
    assert progress.days_left == 20  # 11th to 30th, today included
    assert progress.required_daily_amount == cny("120.00")


def test_required_daily_amount_rounds_up() -> None:
    target = a_target("1000.00")
    progress = target_progress(target, ProgressSums.empty("CNY"), date(2026, 11, 30))
    assert progress.days_left == 1
    assert progress.required_daily_amount == cny("1000.00")
    progress = target_progress(target, ProgressSums.empty("CNY"), date(2026, 11, 2))
    assert progress.required_daily_amount == cny("34.49")  # 1000 / 29 = 34.48275...


def test_achieved_and_missed() -> None:
    target = a_target("1000.00")
    done = target_progress(target, ProgressSums(cny("1200.00"), cny("0"), cny("0")), NOW.date())
    assert done.status is TargetStatus.ACHIEVED
    assert (done.remaining, done.percent) == (cny("0"), Decimal("120.00"))
    assert done.required_daily_amount == cny("0")
    late = target_progress(
        target, ProgressSums(cny("10.00"), cny("0"), cny("0")), date(2026, 12, 1)
    )
    assert (late.status, late.days_left, late.required_daily_amount) == (
        TargetStatus.MISSED,
        0,
        None,
    )


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"end": date(2026, 10, 31)}, "period_end"),
        ({"end": date(2040, 1, 1)}, "period_end"),
        ({"amount": "0"}, "amount"),
        ({"scope": TargetScope.CUSTOMER}, "scope_id"),
        ({"scope": TargetScope.CUSTOMER, "scope_id": "u-1"}, "scope_id"),
        ({"scope_id": uuid4()}, "scope_id"),
        ({"scope": TargetScope.OWNER, "scope_id": " "}, "scope_id"),
    ],
)
def test_invalid_targets(changes: dict[str, object], loc: str) -> None:
    with pytest.raises(ValidationFailed) as failed:
        a_target(**changes)  # type: ignore[arg-type]
    assert failed.value.loc[0] == loc


def test_scope_ids_and_changes() -> None:
    known = uuid4()
    assert parse_scope_id(TargetScope.CONTRACT, str(known)) == known
    assert parse_scope_id(TargetScope.OWNER, "u-1") == "u-1"
    with pytest.raises(ValidationFailed):
        parse_scope_id(TargetScope.CUSTOMER, "u-1")
    target = a_target()
    updated, changed = change_target(target, {"name": "新名字", "owner": None}, NOW)
    assert changed == {"name": ("十一月回款", "新名字")}
    assert updated.version == 2
    with pytest.raises(ValidationFailed):
        change_target(target, {"scope": TargetScope.OWNER}, NOW)
    with pytest.raises(ValidationFailed):
        change_target(target, {"period_end": date(2026, 10, 1)}, NOW)

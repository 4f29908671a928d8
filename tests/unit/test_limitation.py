"""Limitation periods: the period runs from the latest interruption after the due date,
three years to the corresponding day (29 February to 28 February); thresholds; the setting."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.collection.limitation import (
    Interruption,
    InterruptionKind,
    add_years,
    latest_start_to_check,
    legal_severity,
    next_check_on,
    parse_warn_days,
    period,
    thresholds_reached,
)
from app.domain.collection.risk import Severity
from app.domain.errors import ValidationFailed

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2150, 12, 31))
interruptions = st.lists(
    st.builds(Interruption, on=days, kind=st.sampled_from(list(InterruptionKind)), ref=st.uuids()),
    max_size=12,
)


@given(due=days, found=interruptions, years=st.integers(min_value=1, max_value=20))
def test_the_period_runs_from_the_latest_interruption_after_the_due_date(
    due: date, found: list[Interruption], years: int
) -> None:
    running = period(due, found, years)
    later = [i.on for i in found if i.on > due]
    assert running.starts_on == max([due, *later])
    assert running.expires_on == add_years(running.starts_on, years)
    assert (running.last_interruption is None) == (not later)
    # The order in which interruptions are listed does not matter.
    assert period(due, list(reversed(found)), years).starts_on == running.starts_on


@given(due=days, found=interruptions)
def test_an_interruption_never_shortens_the_period(due: date, found: list[Interruption]) -> None:
    before = period(due, found[:-1], 3)
    after = period(due, found, 3)
    assert after.expires_on >= before.expires_on


def test_three_years_to_the_corresponding_day_and_leap_days() -> None:
    assert period(date(2026, 3, 10), [], 3).expires_on == date(2029, 3, 10)
    assert add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    demand = Interruption(date(2028, 2, 29), InterruptionKind.DEMAND, uuid.uuid4())
    running = period(date(2026, 1, 1), [demand], 3)
    assert (running.starts_on, running.expires_on) == (date(2028, 2, 29), date(2031, 2, 28))
    assert running.last_interruption == demand


def test_an_interruption_before_the_due_date_changes_nothing() -> None:
    early = Interruption(date(2026, 1, 1), InterruptionKind.PROMISE, uuid.uuid4())
    running = period(date(2026, 6, 30), [early], 3)
    assert running.starts_on == date(2026, 6, 30)
    assert running.last_interruption is None


def test_thresholds_and_the_next_check() -> None:
    running = period(date(2026, 6, 30), [], 3)  # expires 2029-06-30
    assert thresholds_reached(running, (180, 90, 30), date(2028, 12, 31)) == []
    assert thresholds_reached(running, (180, 90, 30), date(2029, 1, 1)) == [180]
    assert thresholds_reached(running, (30, 180, 90), date(2029, 6, 1)) == [180, 90, 30]
    assert next_check_on(running, (180, 90, 30), date(2028, 1, 1)) == date(2029, 1, 1)
    assert next_check_on(running, (180, 90, 30), date(2029, 1, 1)) == date(2029, 4, 1)
    assert next_check_on(running, (180, 90, 30), date(2029, 6, 1)) is None


@given(today=days, widest=st.integers(min_value=1, max_value=3650), years=st.integers(1, 10))
def test_the_latest_start_to_check_is_exact(today: date, widest: int, years: int) -> None:
    cut = latest_start_to_check(today, widest, years)
    assert add_years(cut, years) - timedelta(days=widest) <= today
    assert add_years(cut + timedelta(days=1), years) - timedelta(days=widest) > today


def test_the_legal_flag_from_the_second_threshold_on() -> None:
    assert legal_severity(1, expired=False) is None
    assert legal_severity(2, expired=False) == Severity.HIGH
    assert legal_severity(3, expired=False) == Severity.CRITICAL
    assert legal_severity(0, expired=True) == Severity.CRITICAL


def test_warn_days_are_positive_whole_numbers() -> None:
    assert parse_warn_days("30, 180,90") == (180, 90, 30)
    for bad in ("", "180,,30", "90,-1", "0", "1.5", "abc", "90,90", "99999"):
        with pytest.raises(ValidationFailed, match="HUIKUAN_LIMITATION_WARN_DAYS"):
            parse_warn_days(bad)


def test_only_a_written_or_in_person_demand_with_evidence_interrupts() -> None:
    from datetime import UTC, datetime

    from app.domain.collection.interactions import Channel, Interaction
    from app.domain.evidence import EvidenceLink

    link = EvidenceLink("https://docs.example.com/letter.pdf", "催款函")
    base = Interaction(
        id=uuid.uuid4(), customer_id=uuid.uuid4(), channel=Channel.LETTER,
        occurred_at=datetime(2026, 11, 27, tzinfo=UTC), summary="催款",
        created_at=datetime.now(UTC), recorded_by="k", demand=True, evidence=(link,),
    )  # fmt: skip
    assert base.interrupts_limitation
    assert not replace(base, evidence=()).interrupts_limitation
    assert not replace(base, demand=False).interrupts_limitation
    assert not replace(base, channel=Channel.PHONE).interrupts_limitation
    assert replace(base, channel=Channel.VISIT).interrupts_limitation

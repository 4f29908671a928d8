"""The delivery policy: schedules, outcomes, Retry-After, the disable-after rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.delivery.delivery import (
    DEFAULT_RETRY_SCHEDULE,
    MAX_RETRY_AFTER,
    AttemptResult,
    DeliveryStatus,
    RetrySchedule,
    WebhookDelivery,
    decide,
    parse_retry_after,
    schedule_manual_retry,
    should_disable,
)
from app.domain.errors import Conflict, ValidationFailed

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
DEFAULT = RetrySchedule.parse(DEFAULT_RETRY_SCHEDULE)


def answer(status: int | None, retry_after: str | None = None) -> AttemptResult:
    error = None if status and 200 <= status < 300 else "boom"
    return AttemptResult(NOW, timedelta(milliseconds=12), status, error, retry_after)


def test_the_default_schedule_is_the_spec_s() -> None:
    assert [d.total_seconds() for d in DEFAULT.delays] == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert DEFAULT.max_attempts == 8
    assert DEFAULT.delay_after(1) == timedelta(seconds=5)
    assert DEFAULT.delay_after(7) == timedelta(hours=10)
    assert DEFAULT.delay_after(8) is None


@pytest.mark.parametrize("text", ["5,x", "-1", "5,,99999999"])
def test_an_unreadable_schedule_is_refused(text: str) -> None:
    with pytest.raises(ValidationFailed):
        RetrySchedule.parse(text)


def test_an_empty_schedule_means_a_single_attempt() -> None:
    assert RetrySchedule.parse("").max_attempts == 1
    assert RetrySchedule.parse("0.5, 2").delays == (timedelta(seconds=0.5), timedelta(seconds=2))


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_2xx_delivers(status: int) -> None:
    assert decide(answer(status), 1, 8, DEFAULT).status is DeliveryStatus.DELIVERED


@pytest.mark.parametrize("status", [None, 301, 400, 404, 500, 502])
def test_anything_else_is_retried_on_the_schedule(status: int | None) -> None:
    decision = decide(answer(status), 2, 8, DEFAULT)
    assert decision.status is DeliveryStatus.PENDING
    assert decision.next_attempt_at == NOW + timedelta(seconds=300)
    assert decision.disable_endpoint is None


def test_after_the_last_attempt_the_delivery_fails() -> None:
    assert decide(answer(500), 8, 8, DEFAULT).status is DeliveryStatus.FAILED
    assert decide(answer(500), 5, 5, DEFAULT).status is DeliveryStatus.FAILED  # manual retry


def test_410_gone_fails_and_disables_the_endpoint() -> None:
    decision = decide(answer(410), 1, 8, DEFAULT)
    assert decision.status is DeliveryStatus.FAILED
    assert decision.disable_endpoint == "the receiver answered 410 Gone"


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_on_429_and_503_is_a_floor(status: int) -> None:
    later = decide(answer(status, "3600"), 1, 8, DEFAULT)
    assert later.next_attempt_at == NOW + timedelta(hours=1)
    sooner = decide(answer(status, "1"), 1, 8, DEFAULT)  # the schedule's 5 s still holds
    assert sooner.next_attempt_at == NOW + timedelta(seconds=5)


def test_retry_after_elsewhere_or_unreadable_is_ignored() -> None:
    assert decide(answer(500, "3600"), 1, 8, DEFAULT).next_attempt_at == NOW + timedelta(seconds=5)
    assert decide(answer(429, "soon"), 1, 8, DEFAULT).next_attempt_at == NOW + timedelta(seconds=5)


def test_retry_after_reads_seconds_and_http_dates_within_a_cap() -> None:
    assert parse_retry_after("120", NOW) == timedelta(minutes=2)
    assert parse_retry_after("Fri, 27 Nov 2026 09:00:00 GMT", NOW) == timedelta(hours=1)
    assert parse_retry_after("Fri, 27 Nov 2026 07:00:00 GMT", NOW) == timedelta(0)
    assert parse_retry_after("99999999999999999", NOW) == MAX_RETRY_AFTER
    assert parse_retry_after(None, NOW) is None
    assert parse_retry_after("-5", NOW) is None


def test_retry_after_reads_the_three_http_date_forms_and_nothing_looser() -> None:
    hour = timedelta(hours=1)
    assert parse_retry_after("Fri, 27 Nov 2026 09:00:00 GMT", NOW) == hour  # IMF-fixdate
    assert parse_retry_after("Friday, 27-Nov-26 09:00:00 GMT", NOW) == hour  # RFC 850
    assert parse_retry_after("Fri Nov 27 09:00:00 2026", NOW) == hour  # asctime
    assert parse_retry_after("Thu Dec  3 08:00:00 2026", NOW) == timedelta(days=6)
    assert parse_retry_after("Sat Dec 12 08:00:00 2026", NOW) == MAX_RETRY_AFTER
    assert parse_retry_after("Sunday, 27-Nov-77 09:00:00 GMT", NOW) == timedelta(0)  # 1977
    assert parse_retry_after(" 0007 ", NOW) == timedelta(seconds=7)
    assert parse_retry_after("1" * 5000, NOW) == MAX_RETRY_AFTER
    for loose in (
        "27 Nov 2026 09:00:00 GMT",
        "Fri, 27 Nov 2026 09:00:00 +0800",
        "fri, 27 nov 2026 09:00:00 gmt",
        "Fri, 31 Feb 2026 09:00:00 GMT",
        "Fri, 27 Nov 0000 09:00:00 GMT",
        "Fri, 27 Nov 2026 24:00:00 GMT",
        "2026-11-27T09:00:00Z",
    ):
        assert parse_retry_after(loose, NOW) is None, loose


@pytest.mark.parametrize("odd", ["²", "٣", "１２", "3.5", "1e3", "+5", "5 s", "0x10", "", " "])
def test_retry_after_is_ascii_digits_only(odd: str) -> None:
    # "²".isdigit() is True and int("²") raises: it once failed every outcome of a batch.
    assert parse_retry_after(odd, NOW) is None
    assert decide(answer(503, odd), 1, 8, DEFAULT).next_attempt_at == NOW + timedelta(seconds=5)


@given(st.text())
def test_retry_after_never_raises_and_stays_within_the_cap(value: str) -> None:
    delay = parse_retry_after(value, NOW)
    assert delay is None or timedelta(0) <= delay <= MAX_RETRY_AFTER
    assert decide(answer(503, value), 1, 8, DEFAULT).status is DeliveryStatus.PENDING


@given(st.integers(min_value=0, max_value=10**30))
def test_retry_after_seconds_are_read_exactly_up_to_the_cap(seconds: int) -> None:
    expected = min(timedelta(seconds=min(seconds, 10**9)), MAX_RETRY_AFTER)
    assert parse_retry_after(str(seconds), NOW) == expected


def test_an_endpoint_is_disabled_after_failing_for_the_limit() -> None:
    limit = timedelta(hours=120)
    assert not should_disable(None, NOW, limit)
    assert not should_disable(NOW - timedelta(hours=119), NOW, limit)
    assert should_disable(NOW - timedelta(hours=120), NOW, limit)


def delivery(status: DeliveryStatus, attempts: int) -> WebhookDelivery:
    return WebhookDelivery(
        id=uuid4(),
        endpoint_id=uuid4(),
        event_id=uuid4(),
        event_type="invoice.paid",
        status=status,
        attempt_count=attempts,
        allowed_attempts=8,
        created_at=NOW,
        updated_at=NOW,
    )


def test_a_manual_retry_gives_a_finished_delivery_one_more_attempt() -> None:
    later = NOW + timedelta(days=1)
    retried = schedule_manual_retry(delivery(DeliveryStatus.FAILED, 8), True, later)
    assert (retried.status, retried.allowed_attempts, retried.next_attempt_at) == (
        DeliveryStatus.PENDING,
        9,
        later,
    )
    waiting = schedule_manual_retry(delivery(DeliveryStatus.PENDING, 2), True, later)
    assert (waiting.allowed_attempts, waiting.next_attempt_at) == (8, later)


def test_a_manual_retry_needs_an_enabled_endpoint() -> None:
    with pytest.raises(Conflict):
        schedule_manual_retry(delivery(DeliveryStatus.FAILED, 8), False, NOW)

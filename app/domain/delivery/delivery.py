"""Webhook deliveries and their policy: what an attempt's outcome means, when to try again,
when to give up on a delivery and when to give up on an endpoint."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from app.domain.errors import Conflict, ValidationFailed

DEFAULT_RETRY_SCHEDULE = "5,300,1800,7200,18000,36000,36000"
# A Retry-After beyond this is read as this: it keeps datetimes in range and a receiver
# from parking a delivery for years.
MAX_RETRY_AFTER = timedelta(days=7)
RETRY_AFTER_STATUSES = frozenset({429, 503})
GONE = 410


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """Delays before the 2nd, 3rd, ... attempt; after the last one a delivery fails."""

    delays: tuple[timedelta, ...]

    @classmethod
    def parse(cls, text: str) -> RetrySchedule:
        """``"5,300,1800"`` (seconds, decimals allowed); an empty text means no retries."""
        delays: list[timedelta] = []
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            try:
                seconds = float(part)
            except ValueError:
                raise ValidationFailed(f"retry delay {part!r} is not a number") from None
            if not 0 <= seconds <= 30 * 86400:
                raise ValidationFailed(f"retry delay {part} is outside 0..30 days")
            delays.append(timedelta(seconds=seconds))
        return cls(tuple(delays))

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def delay_after(self, attempt: int) -> timedelta | None:
        """The wait after failed attempt number ``attempt`` (1-based), None after the last."""
        if 1 <= attempt <= len(self.delays):
            return self.delays[attempt - 1]
        return None


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What one HTTP attempt gave: a status code, or an error when there was no answer."""

    at: datetime
    duration: timedelta
    status_code: int | None = None
    error: str | None = None
    retry_after: str | None = None

    @property
    def succeeded(self) -> bool:
        """2xx, unless the answer said otherwise (a chat robot's ``errcode`` in a 200)."""
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error


@dataclass(frozen=True, slots=True)
class Decision:
    """What becomes of a delivery after an attempt, and of its endpoint."""

    status: DeliveryStatus
    next_attempt_at: datetime | None = None
    disable_endpoint: str | None = None


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as delay-seconds (ASCII digits) or an HTTP-date (RFC 9110 §10.2.3);
    None for anything else, so that the schedule applies. Never raises: the value is the
    receiver's, and one odd answer must not stop its outcome from being recorded."""
    if value is None:
        return None
    text = value.strip(" \t")
    if not text.isascii():
        return None
    if text.isdigit():
        digits = text.lstrip("0") or "0"
        if len(digits) > 9:  # years: capped below anyway, and int() never sees 5,000 digits
            return MAX_RETRY_AFTER
        delay = timedelta(seconds=int(digits))
    else:
        moment = parse_http_date(text, now)
        if moment is None:
            return None
        delay = max(moment - now, timedelta(0))
    return min(delay, MAX_RETRY_AFTER)


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_MONTH = "(?P<month>" + "|".join(_MONTHS) + ")"
_TIME = r"(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)"
# The three forms RFC 9110 §5.6.7 names: IMF-fixdate, then the obsolete RFC 850 and asctime.
_HTTP_DATES = (
    re.compile(
        rf"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?P<day>\d\d) {_MONTH} (?P<year>\d{{4}}) {_TIME} GMT",
        re.ASCII,
    ),
    re.compile(
        r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), "
        rf"(?P<day>\d\d)-{_MONTH}-(?P<year>\d\d) {_TIME} GMT",
        re.ASCII,
    ),
    re.compile(
        rf"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) {_MONTH} (?P<day>[ \d]\d) {_TIME} (?P<year>\d{{4}})",
        re.ASCII,
    ),
)


def parse_http_date(text: str, now: datetime) -> datetime | None:
    """An HTTP-date in one of its three forms, as a UTC datetime; None when it is not one."""
    for form in _HTTP_DATES:
        match = form.fullmatch(text)
        if match is None:
            continue
        year = int(match["year"])
        if len(match["year"]) == 2:  # RFC 850: the most recent year with these digits
            year += now.year - now.year % 100
            if year > now.year + 50:
                year -= 100
        try:
            return datetime(
                year,
                _MONTHS[match["month"]],
                int(match["day"]),
                int(match["hour"]),
                int(match["minute"]),
                int(match["second"]),
                tzinfo=UTC,
            )
        except ValueError:  # 31 Feb, 25:00:00, year 0...
            return None
    return None


def decide(
    result: AttemptResult, attempt: int, allowed_attempts: int, schedule: RetrySchedule
) -> Decision:
    """The outcome of attempt number ``attempt`` (1-based) out of ``allowed_attempts``.

    2xx delivers. 410 Gone fails the delivery and disables the endpoint. Anything else is
    tried again after the schedule's delay (no sooner than a 429/503 ``Retry-After``) until
    the attempts run out.
    """
    if result.succeeded:
        return Decision(DeliveryStatus.DELIVERED)
    if result.status_code == GONE:
        return Decision(DeliveryStatus.FAILED, disable_endpoint="the receiver answered 410 Gone")
    delay = schedule.delay_after(attempt) if attempt < allowed_attempts else None
    if delay is None:
        return Decision(DeliveryStatus.FAILED)
    # Retry-After of a 429/503, or the relay's own pacing of a chat robot (no request made).
    if result.status_code in RETRY_AFTER_STATUSES or result.status_code is None:
        asked = parse_retry_after(result.retry_after, result.at)
        if asked is not None:
            delay = max(delay, asked)
    return Decision(DeliveryStatus.PENDING, next_attempt_at=result.at + delay)


def should_disable(failing_since: datetime | None, now: datetime, after: timedelta) -> bool:
    """An endpoint that has failed every attempt for ``after`` is disabled."""
    return failing_since is not None and now - failing_since >= after


def failing_for(hours: float) -> str:
    return f"every delivery failed for {hours:g} hours"


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    number: int
    at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    next_attempt_at: datetime | None


@dataclass(slots=True)
class WebhookDelivery:
    id: UUID
    endpoint_id: UUID
    event_id: UUID
    event_type: str
    status: DeliveryStatus
    attempt_count: int
    allowed_attempts: int
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    attempts: tuple[DeliveryAttempt, ...] = ()


def schedule_manual_retry(
    delivery: WebhookDelivery, endpoint_enabled: bool, now: datetime
) -> WebhookDelivery:
    """Send again now: a finished delivery gets one more attempt, a waiting one goes now."""
    if not endpoint_enabled:
        raise Conflict("the endpoint is disabled: enable it before retrying its deliveries")
    allowed = delivery.allowed_attempts
    if delivery.status is not DeliveryStatus.PENDING:
        allowed = delivery.attempt_count + 1
    return replace(
        delivery,
        status=DeliveryStatus.PENDING,
        allowed_attempts=allowed,
        next_attempt_at=now,
        updated_at=now,
    )

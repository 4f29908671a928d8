"""The test clock: read it, move it forward. Never enabled in production."""

from __future__ import annotations

from datetime import datetime

from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.services.context import ClockControl

DISABLED = "the test clock is off; start the service with HUIKUAN_TEST_CLOCK=true"


def _enabled(control: ClockControl | None) -> ClockControl:
    if control is None:
        raise NotFound("test clock", "", detail=DISABLED)
    return control


def read_test_clock(control: ClockControl | None) -> datetime:
    return _enabled(control).now()


async def move_test_clock(control: ClockControl | None, moment: datetime) -> datetime:
    """Move the service's notion of now forward to ``moment`` (never back)."""
    clock = _enabled(control)
    if moment.tzinfo is None:
        raise ValidationFailed("now must carry a UTC offset, like 2026-12-01T00:00:00Z", ("now",))
    if not await clock.move_to(moment):
        raise Conflict(
            f"the test clock only moves forward; it is already at {clock.now():%Y-%m-%dT%H:%M:%SZ}"
        )
    return clock.now()

"""/v1/admin/clock: the test clock (404 unless HUIKUAN_TEST_CLOCK=true)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from app.api.base import resource_router
from app.api.deps import Administrator, PlatformDep
from app.api.errors import problem_responses
from app.api.schemas import BusinessTimestamp, RequestModel, Timestamp
from app.domain.events import rfc3339
from app.services.scheduling.test_clock import move_test_clock, read_test_clock

router = resource_router("/v1/admin/clock", "scheduling")


class ClockMove(RequestModel):
    now: BusinessTimestamp


class ClockOut(BaseModel):
    now: Timestamp
    today: str


def _document(now: datetime, platform: PlatformDep) -> dict[str, str]:
    return {"now": rfc3339(now), "today": platform.clock.today().isoformat()}


@router.get(
    "", summary="Read the test clock", response_model=ClockOut, responses=problem_responses(404)
)
async def get_test_clock(platform: PlatformDep, _: Administrator) -> dict[str, str]:
    return _document(read_test_clock(platform.clock_control), platform)


@router.put(
    "",
    summary="Move the test clock forward",
    response_model=ClockOut,
    responses=problem_responses(404, 409),
)
async def set_test_clock(
    body: ClockMove, platform: PlatformDep, _: Administrator
) -> dict[str, str]:
    return _document(await move_test_clock(platform.clock_control, body.now), platform)

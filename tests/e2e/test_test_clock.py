"""The test clock: off by default (404); when on, it moves forward only, for every replica."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.clock import TestClock
from app.api.app import create_app
from app.services.platform import Platform
from tests.conftest import ADMIN_SECRET

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_clock_routes_are_404_when_the_test_clock_is_off(api: httpx.AsyncClient) -> None:
    assert (await api.get("/v1/admin/clock")).status_code == 404
    moved = await api.put("/v1/admin/clock", json={"now": "2030-01-01T00:00:00Z"})
    assert moved.status_code == 404
    assert "HUIKUAN_TEST_CLOCK" in moved.json()["detail"]


@pytest.fixture
async def clock_api(
    platform: Platform, db: AsyncEngine, admin_secret: str
) -> AsyncIterator[tuple[httpx.AsyncClient, TestClock]]:
    clock = TestClock(SHANGHAI, db)
    app = create_app(replace(platform, clock=clock, clock_control=clock))
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {ADMIN_SECRET}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        yield c, clock


async def test_a_moment_outside_1900_to_2199_is_422(
    clock_api: tuple[httpx.AsyncClient, TestClock],
) -> None:
    api, _ = clock_api
    for moment in ("9999-12-31T23:59:59-12:00", "2200-01-01T00:00:00Z"):
        moved = await api.put("/v1/admin/clock", json={"now": moment})
        assert moved.status_code == 422, moved.text
        assert moved.headers["content-type"] == "application/problem+json"


async def test_the_clock_moves_forward_and_today_follows(
    clock_api: tuple[httpx.AsyncClient, TestClock], db: AsyncEngine
) -> None:
    api, clock = clock_api
    target = datetime.now(UTC) + timedelta(days=40)
    moved = await api.put("/v1/admin/clock", json={"now": target.isoformat()})
    assert moved.status_code == 200, moved.text
    now = datetime.fromisoformat(moved.json()["now"])
    assert target <= now < target + timedelta(seconds=5)
    assert moved.json()["today"] == now.astimezone(SHANGHAI).date().isoformat()
    assert clock.now() >= target

    # Another replica's clock reads the same offset from the database.
    other = TestClock(SHANGHAI, db)
    await other.sync()
    assert other.now() >= target


async def test_the_clock_never_moves_back(clock_api: tuple[httpx.AsyncClient, TestClock]) -> None:
    api, _ = clock_api
    ahead = datetime.now(UTC) + timedelta(days=2)
    assert (await api.put("/v1/admin/clock", json={"now": ahead.isoformat()})).status_code == 200
    back = await api.put("/v1/admin/clock", json={"now": "2020-01-01T00:00:00Z"})
    assert back.status_code == 409
    assert "only moves forward" in back.json()["detail"]
    naive = await api.put("/v1/admin/clock", json={"now": "2040-01-01T00:00:00"})
    assert naive.status_code == 422

"""Clocks. Every part of the service reads time through one of these."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)


class SystemClock:
    """Wall-clock time; ``today`` is the calendar date in the configured time zone."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(self.zone).date()


class TestClock(SystemClock):
    """Wall-clock time plus an offset that only grows (HUIKUAN_TEST_CLOCK=true).

    Time keeps flowing after a jump, so retry schedules and leases still work. The offset
    is kept in the database, so that every replica and every restart sees the same "now";
    :meth:`sync` reads it back (the clock-sync background service calls it every second).
    """

    __test__ = False  # not a pytest test class

    def __init__(self, zone: ZoneInfo, engine: AsyncEngine) -> None:
        super().__init__(zone)
        self.engine = engine
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    async def sync(self) -> None:
        async with self.engine.connect() as conn:
            stored = (
                await conn.execute(text("SELECT offset_us FROM test_clock WHERE id = 1"))
            ).scalar()
        if stored is not None:
            self.offset = max(self.offset, timedelta(microseconds=int(stored)))

    async def move_to(self, moment: datetime) -> bool:
        """Jump forward to ``moment``; False (and no change) when it lies in the past."""
        await self.sync()
        wanted = moment - datetime.now(UTC)
        if wanted < self.offset:
            return False
        microseconds = int(wanted / timedelta(microseconds=1))
        async with self.engine.begin() as conn:
            stored = (
                await conn.execute(
                    text(
                        "INSERT INTO test_clock (id, offset_us) VALUES (1, :us) "
                        "ON CONFLICT (id) DO UPDATE SET offset_us = "
                        "GREATEST(test_clock.offset_us, EXCLUDED.offset_us) RETURNING offset_us"
                    ),
                    {"us": microseconds},
                )
            ).scalar_one()
        self.offset = timedelta(microseconds=int(stored))
        return True


class TestClockSync:
    """Background service: keeps this process's test clock in step with the database."""

    def __init__(self, clock: TestClock, interval_s: float = 1.0) -> None:
        self.clock = clock
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.clock.sync()
        self._task = asyncio.create_task(self._run(), name="test-clock-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.clock.sync()
            except Exception:  # the database may be restarting; try again next tick
                log.warning("test clock sync failed", exc_info=True)

"""The scheduler as a background service: APScheduler's ``AsyncIOScheduler`` fires each job
on its trigger, and the runner runs it under the job's advisory lock.

APScheduler decides *when* on wall-clock time; what a job takes for "now" and "today" is
the service's clock (the test clock when it is on). Every replica schedules every job; the
lock lets one run it and the others skip. Runs start a little after start-up (then on the
interval), so that frequent restarts never starve a job with a long interval; the daily
summary catches up at start-up when its hour has passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.services.context import Context
from app.services.scheduling.registry import JobRunner

log = logging.getLogger(__name__)
# APScheduler logs every add, run and success at INFO; the runner logs each run's outcome.
logging.getLogger("apscheduler").setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class JobSchedule:
    job: str
    trigger: BaseTrigger
    first_run: datetime | None  # None: when the trigger first fires


def every(job: str, seconds: float, zone: ZoneInfo, first_run: datetime) -> JobSchedule:
    return JobSchedule(job, IntervalTrigger(seconds=seconds, timezone=zone), first_run)


def daily(job: str, at: time, zone: ZoneInfo, started: datetime, delay: timedelta) -> JobSchedule:
    """Every day at ``at`` local time; also soon after start-up if that hour already passed
    today (a process down at the hour would otherwise skip a day)."""
    trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=zone)
    local = started.astimezone(zone)
    catch_up = local.time() >= at
    return JobSchedule(job, trigger, started + delay if catch_up else None)


class SchedulerService:
    def __init__(
        self, runner: JobRunner, ctx: Context, schedules: Sequence[JobSchedule], zone: ZoneInfo
    ) -> None:
        self.runner = runner
        self.ctx = ctx
        self.schedules = schedules
        self.zone = zone
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[object]] = set()

    async def start(self) -> None:
        scheduler = AsyncIOScheduler(timezone=self.zone)
        for schedule in self.schedules:
            options = {} if schedule.first_run is None else {"next_run_time": schedule.first_run}
            scheduler.add_job(
                self._run,
                schedule.trigger,
                args=[schedule.job],
                id=schedule.job,
                name=schedule.job,
                max_instances=1,  # a run still going when the next is due: that one is skipped
                coalesce=True,  # runs missed while the loop was busy: one catches up
                misfire_grace_time=None,
                **options,
            )
        scheduler.start()
        self._scheduler = scheduler
        log.info("scheduler started", extra={"jobs": [s.job for s in self.schedules]})

    async def _run(self, job: str) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            # A failure is recorded and logged by the runner; the next run tries again.
            with contextlib.suppress(Exception):
                await self.runner.run(job, self.ctx)
        finally:
            if task is not None:
                self._running.discard(task)

    async def stop(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn
        running = list(self._running)
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._scheduler = None

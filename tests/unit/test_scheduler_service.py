"""The scheduler service: triggers from the settings, a job fired on its schedule, a clean
stop that cancels a run still going."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.adapters.scheduling.runner import lock_key
from app.adapters.scheduling.service import SchedulerService, daily, every
from app.bootstrap import job_schedules
from app.services.context import Context
from app.services.jobs import JobResult
from app.services.scheduling.registry import JOB_NAMES, JobOutcome, JobRun
from app.settings import Settings
from tests.fakes import context

SHANGHAI = ZoneInfo("Asia/Shanghai")


class RecordingRunner:
    """A JobRunner that notes each run; ``block`` makes runs wait until cancelled."""

    def __init__(self, block: bool = False) -> None:
        self.block = block
        self.ran: list[str] = []
        self.started = asyncio.Event()
        self.cancelled = False

    async def run(self, job: str, ctx: Context) -> JobRun:
        self.ran.append(job)
        self.started.set()
        if self.block:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled = True
                raise
        return JobRun(job, JobOutcome.OK, JobResult(), 0.0)


def test_every_job_is_scheduled_from_the_settings() -> None:
    started = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    settings = Settings(job_overdue_scan_s=120, scheduler_first_run_delay_s=5)
    schedules = {s.job: s for s in job_schedules(settings, started)}
    assert set(schedules) == set(JOB_NAMES)
    scan = schedules["overdue-scan"]
    assert isinstance(scan.trigger, IntervalTrigger)
    assert scan.trigger.interval == timedelta(seconds=120)
    assert scan.first_run == started + timedelta(seconds=5)
    assert isinstance(schedules["overdue-summary"].trigger, CronTrigger)


def test_the_daily_summary_catches_up_only_once_its_hour_has_passed() -> None:
    delay = timedelta(seconds=30)
    morning = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)  # 07:00 in Shanghai
    assert daily("overdue-summary", time(8, 0), SHANGHAI, morning, delay).first_run is None
    later = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert daily("overdue-summary", time(8, 0), SHANGHAI, later, delay).first_run == later + delay


def test_lock_keys_are_stable_distinct_64_bit_integers() -> None:
    keys = {lock_key(job) for job in JOB_NAMES}
    assert len(keys) == len(JOB_NAMES)
    assert all(-(2**63) <= k < 2**63 for k in keys)
    assert lock_key("overdue-scan") == lock_key("overdue-scan")


async def test_a_scheduled_job_runs_and_stop_cancels_a_run_still_going() -> None:
    runner = RecordingRunner(block=True)
    now = datetime.now(UTC)
    service = SchedulerService(
        runner, context(), [every("due-soon", 3600, SHANGHAI, now)], SHANGHAI
    )
    await service.start()
    await asyncio.wait_for(runner.started.wait(), timeout=30)
    await service.stop()
    assert runner.ran == ["due-soon"]
    assert runner.cancelled

"""Runs a job under a PostgreSQL advisory lock, so that one process at a time runs it.

The lock is taken with ``pg_try_advisory_lock`` on a connection of its own, in autocommit
(no transaction stays open for the run), and held for the whole run: another process that
asks meanwhile gets ``skipped`` at once. If the process dies, its connection closes and the
lock goes with it. The lock only saves work: the findings table is what makes a forced
second run harmless.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.adapters.scheduling.metrics import SCHEDULER_DURATION, SCHEDULER_RUNS
from app.services.context import Context
from app.services.jobs import JobParams, JobResult
from app.services.scheduling.ports import SchedulerUnitOfWorkFactory
from app.services.scheduling.registry import JobOutcome, JobRun, job_function

log = logging.getLogger(__name__)

Refresher = Callable[[], Awaitable[None]]


def lock_key(job: str) -> int:
    """A stable signed 64-bit advisory lock key per job name."""
    digest = hashlib.sha256(f"huikuan:job:{job}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class LockedJobRunner:
    def __init__(
        self,
        engine: AsyncEngine,
        uow: SchedulerUnitOfWorkFactory,
        params: JobParams,
        after: Mapping[str, Refresher] | None = None,
    ) -> None:
        self.engine = engine
        self.uow = uow
        self.params = params
        self.after = dict(after or {})  # e.g. refresh the overdue gauge after overdue-scan

    async def run(self, job: str, ctx: Context) -> JobRun:
        function = job_function(job)
        started = time.monotonic()
        async with self.lock(job) as held:
            if not held:
                SCHEDULER_RUNS.labels(job, JobOutcome.SKIPPED.value).inc()
                log.info("job skipped: another process runs it", extra={"job": job})
                return JobRun(job, JobOutcome.SKIPPED, JobResult(), time.monotonic() - started)
            try:
                result = await function(self.uow, ctx, self.params)
            except Exception:
                SCHEDULER_RUNS.labels(job, JobOutcome.ERROR.value).inc()
                SCHEDULER_DURATION.labels(job).observe(time.monotonic() - started)
                log.exception("job failed", extra={"job": job})
                raise
        duration = time.monotonic() - started
        SCHEDULER_RUNS.labels(job, JobOutcome.OK.value).inc()
        SCHEDULER_DURATION.labels(job).observe(duration)
        log.info(
            "job finished",
            extra={
                "job": job,
                "examined": result.examined,
                "findings": result.findings,
                "events": result.events,
                "duration_ms": round(duration * 1000, 1),
            },
        )
        refresh = self.after.get(job)
        if refresh is not None:
            try:
                await refresh()
            except Exception:  # a gauge left stale must not fail a run that succeeded
                log.warning("refreshing metrics after %s failed", job, exc_info=True)
        return JobRun(job, JobOutcome.OK, result, duration)

    @asynccontextmanager
    async def lock(self, job: str) -> AsyncIterator[bool]:
        """Hold the job's advisory lock for the block; yields False when another holds it."""
        key = lock_key(job)
        conn = await self.engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            statement = text("SELECT pg_try_advisory_lock(:key)")
            held = bool((await conn.execute(statement, {"key": key})).scalar())
            try:
                yield held
            finally:
                if held:
                    await self._unlock(conn, key)
        finally:
            await conn.close()

    @staticmethod
    async def _unlock(conn: AsyncConnection, key: int) -> None:
        try:
            await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        except Exception:
            # Never hand a connection that may still hold the lock back to the pool.
            log.warning("advisory unlock failed; dropping the connection", exc_info=True)
            await conn.invalidate()

"""Running scheduled jobs in tests: the use cases on the test database, and faulty units
of work (a crash at a chosen commit, a pause at the first commit)."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from app.domain.events import Actor
from app.services.jobs import JobParams, JobResult
from app.services.platform import Platform
from app.services.reactions import REACTIONS
from app.services.scheduling.ports import SchedulerUnitOfWorkFactory
from app.services.scheduling.registry import JOBS

TINY = JobParams(batch_size=2, due_soon_days=3, outbox_retention_days=30)


@dataclass
class Jobs:
    """Runs jobs as the scheduler does, with a tiny batch size so that batching is used."""

    platform: Platform
    db: AsyncEngine
    params: JobParams = TINY

    def uow(self) -> SchedulerUnitOfWorkFactory:
        return SqlUnitOfWorkFactory(self.db, REACTIONS)

    async def run(self, job: str, uow: SchedulerUnitOfWorkFactory | None = None) -> JobResult:
        ctx = self.platform.context(Actor.system("scheduler"))
        return await JOBS[job](uow or self.uow(), ctx, self.params)

    async def events(self, prefix: str = "") -> list[dict[str, Any]]:
        async with self.db.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT type, subject, data FROM outbox_events "
                    "WHERE type LIKE :prefix ORDER BY position"
                ),
                {"prefix": prefix + "%"},
            )
            return [dict(r) for r in rows.mappings()]

    async def types(self, prefix: str = "") -> Counter[str]:
        return Counter(e["type"] for e in await self.events(prefix))

    async def count(self, table: str, where: str = "true") -> int:
        async with self.db.connect() as conn:
            value = await conn.execute(text(f"SELECT count(*) FROM {table} WHERE {where}"))
            return int(value.scalar_one())


class Crash(RuntimeError):
    """The fault a test injects."""


class _FaultyUnitOfWork(SqlUnitOfWork):
    def __init__(self, engine: AsyncEngine, factory: FaultyUow) -> None:
        super().__init__(engine, REACTIONS)
        self.factory = factory

    async def commit(self) -> None:
        self.factory.commits += 1
        if self.factory.commits == self.factory.crash_at:
            raise Crash(f"crash before commit {self.factory.commits}")
        if self.factory.commits == 1 and self.factory.pause is not None:
            self.factory.paused.set()
            await self.factory.pause.wait()
        await super().commit()


@dataclass
class FaultyUow:
    """A unit-of-work factory on the real database that crashes before commit number
    ``crash_at`` (rolling that batch back), or pauses at the first commit until
    ``pause`` is set."""

    engine: AsyncEngine
    crash_at: int | None = None
    pause: asyncio.Event | None = None
    paused: asyncio.Event = field(default_factory=asyncio.Event)
    commits: int = 0

    def __call__(self) -> _FaultyUnitOfWork:
        return _FaultyUnitOfWork(self.engine, self)

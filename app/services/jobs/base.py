"""What every job shares: its result, its parameters, batches and counted events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from app.services.context import Context
from app.services.ports import UnitOfWork
from app.services.scheduler_ports import SchedulerUnitOfWork, SchedulerUnitOfWorkFactory

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class JobResult:
    """Rows looked at, findings new to the database, events written."""

    examined: int = 0
    findings: int = 0
    events: int = 0

    def __add__(self, other: JobResult) -> JobResult:
        return JobResult(
            self.examined + other.examined,
            self.findings + other.findings,
            self.events + other.events,
        )


@dataclass(frozen=True, slots=True)
class JobParams:
    """The settings jobs read (HUIKUAN_SCHEDULER_BATCH_SIZE, HUIKUAN_DUE_SOON_DAYS,
    HUIKUAN_OUTBOX_RETENTION_DAYS, HUIKUAN_IDEMPOTENCY_RETENTION_HOURS); the promise
    grace days come with the context."""

    batch_size: int = 500
    due_soon_days: int = 3
    outbox_retention_days: int = 30
    idempotency_retention_hours: int = 24


# One batch in an open unit of work: returns how many rows it fetched and what it did.
Batch = Callable[[SchedulerUnitOfWork], Awaitable[tuple[int, JobResult]]]


async def in_batches(uow: SchedulerUnitOfWorkFactory, limit: int, batch: Batch) -> JobResult:
    """Run ``batch`` in a transaction of its own, again and again until it fetches fewer
    than ``limit`` rows. Each batch takes what it handled out of its queue and commits, so
    a crash loses only the batch it was in and a rerun redoes nothing already committed."""
    total = JobResult()
    while True:
        async with uow() as work:
            fetched, result = await batch(work)
            await work.commit()
        total += result
        if fetched < limit:
            return total


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Emitter:
    """Adds events to the unit of work and counts them (for the job's result)."""

    def __init__(self, uow: UnitOfWork, ctx: Context) -> None:
        self.uow = uow
        self.ctx = ctx
        self.count = 0

    def emit(self, type_: str, subject: str, data: dict[str, Any]) -> None:
        self.uow.add_event(self.ctx.event(type_, subject, data))
        self.count += 1

    def counted(self, extra: int) -> None:
        """Events another use case added (a task, a risk flag)."""
        self.count += extra

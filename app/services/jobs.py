"""What every scheduled job shares: its result, its parameters, batches, counted events, and
the record of findings.

Each scan reads "what is newly due" through an index that holds only the rows still to be
looked at, in batches; marking a row scanned takes it out of its queue, and changing its
due date puts it back. The findings are the record of what was emitted, under their
natural key (``app/domain/findings.py``): recording returns only the new ones. The job bodies
live in the contexts whose rules they run; ``scheduling/registry.py`` names them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from app.domain.events import EventType
from app.domain.findings import Finding
from app.services.context import Context
from app.services.unit_of_work import UnitOfWork

T = TypeVar("T")
U = TypeVar("U", bound=UnitOfWork)

NaturalKey = tuple[str, UUID, str]


@dataclass(frozen=True, slots=True)
class Scanned:
    """A row scanned for ``due_date`` (the one read: if it changed meanwhile, the row stays
    in its queue and is looked at again for the new date)."""

    id: UUID
    due_date: date


class FindingRepository(Protocol):
    """The record of what the jobs found (``app/domain/findings.py``)."""

    async def record(self, findings: Sequence[Finding], at: datetime) -> set[NaturalKey]:
        """Insert the findings not recorded yet (one statement); returns their keys. A
        concurrent recorder of the same finding waits for this transaction, then gets
        nothing: every finding is new exactly once."""

    async def clear(self, findings: Sequence[Finding], at: datetime) -> None:
        """Mark findings no longer standing (an overdue installment paid or rescheduled)."""


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
    HUIKUAN_UNBILLED_AFTER_DAYS,
    HUIKUAN_OUTBOX_RETENTION_DAYS, HUIKUAN_IDEMPOTENCY_RETENTION_HOURS,
    HUIKUAN_AUDIT_RETENTION_DAYS); the promise
    grace days come with the context."""

    batch_size: int = 500
    due_soon_days: int = 3
    unbilled_after_days: int = 7
    outbox_retention_days: int = 30
    idempotency_retention_hours: int = 24
    audit_retention_days: int = 0  # 0: forever
    worklist_weights: str | None = None  # HUIKUAN_WORKLIST_WEIGHTS, for the digest


async def in_batches(
    uow: Callable[[], U], limit: int, batch: Callable[[U], Awaitable[tuple[int, JobResult]]]
) -> JobResult:
    """Run ``batch`` (one batch in an open unit of work: returns how many rows it fetched and
    what it did) in a transaction of its own, again and again until it fetches fewer
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

    def emit(self, type_: EventType, subject: str, data: dict[str, Any]) -> None:
        self.uow.add_event(self.ctx.event(type_, subject, data))
        self.count += 1

    def counted(self, extra: int) -> None:
        """Events another use case added (a task, a risk flag)."""
        self.count += extra

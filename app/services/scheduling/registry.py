"""The jobs by name, the runner port that runs one under its lock, and the
admin's run-now use case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from app.domain.errors import Conflict, NotFound
from app.services.access.idempotency_cleanup import run_idempotency_cleanup
from app.services.collection.digest import run_collector_digest
from app.services.collection.limitation import run_limitation_check
from app.services.collection.overdue_scan import run_overdue_scan
from app.services.collection.overdue_summary import run_overdue_summary
from app.services.collection.promise_check import run_promise_check
from app.services.collection.target_pace import run_target_pace
from app.services.context import Context
from app.services.controls.jobs import run_approval_expiry, run_audit_retention
from app.services.delivery.outbox import run_outbox_cleanup
from app.services.jobs import JobParams, JobResult
from app.services.receivables.due_soon import run_due_soon
from app.services.receivables.unbilled import run_unbilled_scan
from app.services.scheduling.ports import SchedulerUnitOfWorkFactory

JobFunction = Callable[[SchedulerUnitOfWorkFactory, Context, JobParams], Awaitable[JobResult]]


JOBS: dict[str, JobFunction] = {
    "overdue-scan": run_overdue_scan,
    "overdue-summary": run_overdue_summary,
    "due-soon": run_due_soon,
    "unbilled-scan": run_unbilled_scan,
    "promise-check": run_promise_check,
    "target-pace": run_target_pace,
    "outbox-cleanup": run_outbox_cleanup,
    "idempotency-cleanup": run_idempotency_cleanup,
    "collector-digest": run_collector_digest,
    "approval-expiry": run_approval_expiry,
    "audit-retention": run_audit_retention,
    "limitation-check": run_limitation_check,
}
JOB_NAMES = tuple(JOBS)


def job_function(name: str) -> JobFunction:
    try:
        return JOBS[name]
    except KeyError:
        raise NotFound(
            "job", name, detail=f"no job {name!r}; the jobs are {', '.join(JOB_NAMES)}"
        ) from None


class JobOutcome(StrEnum):
    OK = "ok"
    SKIPPED = "skipped"  # another process holds the job's lock
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class JobRun:
    job: str
    outcome: JobOutcome
    result: JobResult
    duration_s: float


class JobRunner(Protocol):
    async def run(self, job: str, ctx: Context) -> JobRun:
        """Run ``job`` now, unless another process is running it (``skipped``). Raises
        NotFound for an unknown job, and re-raises what the job raised once recorded."""


async def run_job_now(runner: JobRunner | None, job: str, ctx: Context) -> JobRun:
    """The admin's "run now": 404 for an unknown job, 409 while another process runs it."""
    job_function(job)
    if runner is None:
        raise NotFound("job runner", job, detail="this process does not run jobs")
    run = await runner.run(job, ctx)
    if run.outcome is JobOutcome.SKIPPED:
        raise Conflict(f"{job} is running in another process; try again when it has finished")
    return run

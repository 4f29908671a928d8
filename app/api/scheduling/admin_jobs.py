"""/v1/admin/jobs/{job}/run: run a scheduled job now (scope admin)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, Field

from app.api.base import resource_router
from app.api.deps import AdminContext, PlatformDep
from app.api.errors import problem_responses
from app.services.scheduling.registry import JOB_NAMES, run_job_now

router = resource_router("/v1/admin/jobs", "scheduling")


class JobRunOut(BaseModel):
    job: str = Field(examples=["overdue-scan"])
    outcome: Literal["ok"]
    examined: int = Field(description="Rows the job looked at.")
    findings: int = Field(description="Findings new to the database (each emitted once).")
    events: int = Field(description="Events written to the outbox.")
    duration_ms: float


@router.post(
    "/{job}/run",
    summary="Run a scheduled job now",
    description=(
        "Runs the job in the request, under the same lock as the scheduler, and answers what "
        f"it did. Jobs: {', '.join(f'`{j}`' for j in JOB_NAMES)}. An unknown job is 404; "
        "while another process runs the job, 409 (try again when it has finished). "
        "With the test clock on, the job takes the test clock's date as today."
    ),
    response_model=JobRunOut,
    responses=problem_responses(404, 409),
)
async def run_job(
    job: Annotated[str, Path(max_length=100, description="The job's name.")],
    ctx: AdminContext,
    platform: PlatformDep,
) -> dict[str, Any]:
    run = await run_job_now(platform.jobs, job, ctx)
    return {
        "job": run.job,
        "outcome": run.outcome.value,
        "examined": run.result.examined,
        "findings": run.result.findings,
        "events": run.result.events,
        "duration_ms": round(run.duration_s * 1000, 1),
    }

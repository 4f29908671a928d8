"""The jobs of controls: ``approval-expiry`` and ``audit-retention``."""

from __future__ import annotations

from app.services.context import Context
from app.services.controls.approvals import expire_due
from app.services.controls.audit import delete_expired_entries
from app.services.controls.ports import ControlsUnitOfWork, ControlsUnitOfWorkFactory
from app.services.jobs import JobParams, JobResult, in_batches


async def run_approval_expiry(
    uow: ControlsUnitOfWorkFactory, ctx: Context, params: JobParams
) -> JobResult:
    """``approval-expiry``: pending requests past HUIKUAN_APPROVAL_EXPIRE_DAYS end expired.
    Rows are claimed with SKIP LOCKED and must still be pending, so two replicas running
    it at once expire each request once."""

    async def batch(work: ControlsUnitOfWork) -> tuple[int, JobResult]:
        count = await expire_due(work, ctx, params.batch_size)
        return count, JobResult(examined=count, events=count)

    return await in_batches(uow, params.batch_size, batch)


async def run_audit_retention(
    uow: ControlsUnitOfWorkFactory, ctx: Context, params: JobParams
) -> JobResult:
    """``audit-retention``: entries older than HUIKUAN_AUDIT_RETENTION_DAYS (0: none)."""

    async def batch(work: ControlsUnitOfWork) -> tuple[int, JobResult]:
        count = await delete_expired_entries(
            work, ctx.clock, params.audit_retention_days, params.batch_size
        )
        return count, JobResult(examined=count)

    return await in_batches(uow, params.batch_size, batch)

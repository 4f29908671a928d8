"""``idempotency-cleanup``: rows of ``idempotency_keys`` that can no longer decide anything.

An Idempotency-Key claim goes once it is older than HUIKUAN_IDEMPOTENCY_RETENTION_HOURS
(a repeat would take it over) and its lease has ended (a request in flight keeps it). A
signed request's webhook-id goes once it is older than SIGNED_MESSAGE_WINDOW plus a
margin: past the window another body may take the id over anyway, and the margin keeps a
row that a request which began just before the purge may still be refused by.
"""

from __future__ import annotations

from datetime import timedelta

from app.domain.access.idempotency import SIGNED_MESSAGE_WINDOW
from app.services.access.ports import KeyRetentionUnitOfWork, KeyRetentionUnitOfWorkFactory
from app.services.context import Context
from app.services.jobs import JobParams, JobResult, in_batches

MESSAGE_RETENTION = SIGNED_MESSAGE_WINDOW + timedelta(minutes=1)


async def run_idempotency_cleanup(
    uow: KeyRetentionUnitOfWorkFactory, ctx: Context, params: JobParams
) -> JobResult:
    now = ctx.clock.now()
    cutoff = now - timedelta(hours=params.idempotency_retention_hours)
    limit = params.batch_size

    async def claims(work: KeyRetentionUnitOfWork) -> tuple[int, JobResult]:
        deleted = await work.idempotency_keys.delete_claims_before(cutoff, now, limit)
        return deleted, JobResult(examined=deleted)

    async def messages(work: KeyRetentionUnitOfWork) -> tuple[int, JobResult]:
        deleted = await work.idempotency_keys.delete_messages_older_than(MESSAGE_RETENTION, limit)
        return deleted, JobResult(examined=deleted)

    return await in_batches(uow, limit, claims) + await in_batches(uow, limit, messages)

"""Outbox retention: the ``outbox-cleanup`` job."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.services.context import Clock, Context
from app.services.delivery.ports import DeliveryUnitOfWork, DeliveryUnitOfWorkFactory
from app.services.jobs import JobParams, JobResult

DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class OutboxCleanup:
    cutoff: datetime
    deliveries_deleted: int
    events_deleted: int


async def cleanup_outbox(
    uow: DeliveryUnitOfWork,
    clock: Clock,
    *,
    retention_days: int,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> OutboxCleanup:
    """Delete finished deliveries, then fanned-out events without deliveries, older than
    the retention, ``batch_size`` rows per transaction so that no lock is held for long.

    Deliveries still waiting for an attempt, and events the relay has not fanned out yet,
    are kept whatever their age.
    """
    cutoff = clock.now() - timedelta(days=retention_days)
    deliveries = await _in_batches(
        uow, batch_size, lambda u: u.delivery_queue.delete_finished_before(cutoff, batch_size)
    )
    events = await _in_batches(
        uow, batch_size, lambda u: u.outbox.delete_dispatched_before(cutoff, batch_size)
    )
    return OutboxCleanup(cutoff=cutoff, deliveries_deleted=deliveries, events_deleted=events)


async def _in_batches(
    uow: DeliveryUnitOfWork,
    batch_size: int,
    delete_batch: Callable[[DeliveryUnitOfWork], Awaitable[int]],
) -> int:
    total = 0
    while True:
        async with uow:
            count = await delete_batch(uow)
            await uow.commit()
        total += count
        if count < batch_size:
            return total


async def run_outbox_cleanup(
    uow: DeliveryUnitOfWorkFactory, ctx: Context, params: JobParams
) -> JobResult:
    """``outbox-cleanup``: finished deliveries and fanned-out events past the retention."""
    done = await cleanup_outbox(
        uow(), ctx.clock, retention_days=params.outbox_retention_days, batch_size=params.batch_size
    )
    return JobResult(examined=done.deliveries_deleted + done.events_deleted)

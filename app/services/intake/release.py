"""Releasing parked events once the records they wait for exist.

Whoever creates a record (an ingested event, a REST request, or the periodic sweep)
looks up the parked events waiting for it and applies them in ``occurred_at`` order,
each run in a transaction of its own after the creating one committed. Claiming a parked
event (parked -> applied, ``SKIP LOCKED``) happens in the transaction that applies it,
so it is applied once, and a failed attempt leaves it parked for the next one.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from uuid import UUID

from app.domain.errors import InvalidEvent
from app.domain.intake.ingest import Outcome, RecordKey, parse_event
from app.services.context import Context
from app.services.intake.ports import IntakeUnitOfWork
from app.services.intake.runs import apply_run
from app.services.intake.steps import Step, release_order, released_step, runs

log = logging.getLogger(__name__)

MAX_RELEASED = 10_000  # per call; a bound on chains of releases, never reached in practice
SWEEP_BATCH = 500


async def release_parked(
    uow: IntakeUnitOfWork, ctx: Context, record_ids: Sequence[UUID]
) -> list[Step]:
    """Apply the parked events ``record_ids``, then those the records they create release.

    Returns the steps taken (outcome ``accepted``, ``rejected`` or, still waiting for
    something else, ``parked``); events another transaction took are left out.
    """
    done: dict[UUID, Step] = {}  # the last attempt at each event
    pending = list(dict.fromkeys(record_ids))
    while pending and len(done) < MAX_RELEASED:
        async with uow:
            records = await uow.ingest.parked(pending)
        steps: list[Step] = []
        for record in records:
            try:
                steps.append(released_step(parse_event(record.document), record, ctx))
            except InvalidEvent:  # stored only after it parsed; kept parked for a look
                log.error("parked event %s no longer parses", record.id)
        steps.sort(key=release_order)
        waiting: list[UUID] = []
        for run in runs(steps):
            waiting += await apply_run(uow, run)
        done.update({s.record_id: s for s in steps if s.outcome is not Outcome.DUPLICATE})
        pending = list(dict.fromkeys(waiting))
    return list(done.values())


async def release_arrivals(
    uow: IntakeUnitOfWork, ctx: Context, keys: Collection[RecordKey]
) -> list[Step]:
    """Records that arrived another way (the REST API): apply what waited for them."""
    if not keys:
        return []
    async with uow:
        waiting = await uow.ingest.waiting_for(keys)
    return await release_parked(uow, ctx, waiting) if waiting else []


async def release_ready(
    uow: IntakeUnitOfWork, ctx: Context, limit: int = SWEEP_BATCH
) -> list[Step]:
    """Apply parked events whose records all exist by now: the safety net for a record
    that arrived just as an event waiting for it was being parked, or a release that
    failed halfway. Run periodically."""
    async with uow:
        ready = await uow.ingest.ready(limit)
    return await release_parked(uow, ctx, ready) if ready else []

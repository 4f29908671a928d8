"""Applying a run of events: one transaction, or one per event when that fails.

The run's transaction registers its events first (a new event by inserting its row,
unique by ``(source, event_id)``; a parked one by claiming it), so a copy of an event
arriving at the same moment on another replica waits on that row and then reads as a
duplicate. The events are then applied, what did not end "applied" is settled (parked,
rejected, or noted), and it all commits with the outbound events.

If the run fails as a whole (a write the checks could not foresee), it is rolled back
and each of its events is applied again in a transaction of its own; an event that fails
alone is rejected alone, and its rejection stored, so a resend reads as a duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from uuid import UUID

from app.domain.errors import Contention, DomainError, Unauthenticated, Unavailable
from app.domain.intake.ingest import IngestStatus, Outcome, RecordKey
from app.services.intake.payments import apply_payments
from app.services.intake.ports import IntakeUnitOfWork
from app.services.intake.records import (
    apply_contracts,
    apply_customers,
    apply_invoices,
    apply_milestones,
    apply_reversals,
    apply_voids,
)
from app.services.intake.records_org import apply_org_units, apply_people, apply_projects
from app.services.intake.steps import FAMILY, Step

log = logging.getLogger(__name__)

CONTENTION_RETRIES = 3

Applier = Callable[[IntakeUnitOfWork, Sequence[Step]], Awaitable[None]]
APPLIERS: dict[str, Applier] = {
    "customers": apply_customers,
    "contracts": apply_contracts,
    "invoices": apply_invoices,
    "voids": apply_voids,
    "payments": apply_payments,
    "reversals": apply_reversals,
    "org_units": apply_org_units,
    "people": apply_people,
    "projects": apply_projects,
    "milestones": apply_milestones,
}


async def apply_run(uow: IntakeUnitOfWork, steps: Sequence[Step]) -> list[UUID]:
    """Apply ``steps`` (one family, in order), setting each one's outcome.

    Returns the parked events that the records created by the run may release.
    """
    retries = 0
    while True:
        try:
            return await _attempt(uow, steps)
        except (Unavailable, Unauthenticated):  # the request's, not the events' (a replay)
            raise
        except Exception as error:
            if len(steps) > 1:
                log.info("a run of %d events failed; one by one now", len(steps), exc_info=True)
                return await _one_by_one(uow, steps)
            (step,) = steps
            step.reset()
            if isinstance(error, Contention) and retries < CONTENTION_RETRIES:
                retries += 1
                continue
            await _fail_alone(uow, step, error)
            return []


async def _one_by_one(uow: IntakeUnitOfWork, steps: Sequence[Step]) -> list[UUID]:
    waiting: list[UUID] = []
    for step in steps:
        step.reset()
        waiting += await apply_run(uow, [step])
    return waiting


async def _fail_alone(uow: IntakeUnitOfWork, step: Step, error: Exception) -> None:
    """An event that failed in a transaction of its own: the failure is its answer."""
    if isinstance(error, Contention):  # transient: answered, not stored, so a resend works
        step.reject(error)
        return
    if isinstance(error, DomainError):
        step.reject(error)
        await _store_rejection(uow, step)
        return
    # A bug, not the event's fault: answered, not stored, so a resend can succeed.
    log.error(
        "event %s from %s could not be applied",
        step.event.id,
        step.event.source,
        exc_info=error,
    )
    step.outcome, step.internal_error = Outcome.REJECTED, True


async def _attempt(uow: IntakeUnitOfWork, steps: Sequence[Step]) -> list[UUID]:
    async with uow:
        live, waiting = await _register(uow, steps)
        if not live:
            return []
        await APPLIERS[FAMILY[live[0].event.type]](uow, live)
        await uow.ingest.settle([s for s in (step.settlement() for step in live) if s])
        created = {step.created for step in live if step.created is not None}
        released = [record_id for record_id, keys in waiting.items() if created & set(keys)]
        if created and any(step.claimed for step in live):
            released += await uow.ingest.waiting_for(created)
        await uow.commit()
    parked = [step.record_id for step in live if step.outcome is Outcome.PARKED]
    if parked:  # what they wait for may have arrived while they were being parked
        released += await _ready_after_all(uow, parked)
    return released


async def _ready_after_all(uow: IntakeUnitOfWork, parked: list[UUID]) -> list[UUID]:
    """A second look after the run committed; if it fails, the periodic sweep looks."""
    try:
        async with uow:
            return await uow.ingest.ready(len(parked), among=parked)
    except Exception:
        log.warning("could not look again at %d parked events", len(parked), exc_info=True)
        return []


async def _register(
    uow: IntakeUnitOfWork, steps: Sequence[Step]
) -> tuple[list[Step], dict[UUID, tuple[RecordKey, ...]]]:
    """Insert new events and claim parked ones; the others are duplicates (or, parked ones,
    taken by another transaction) and drop out. Also returns the parked events that wait
    for the records the new events are about."""
    new = [step for step in steps if not step.claimed]
    parked = [step for step in steps if step.claimed]
    live: set[UUID] = set()
    waiting: dict[UUID, tuple[RecordKey, ...]] = {}
    if new:
        registered = await uow.ingest.register([step.record() for step in new])
        live, waiting = registered.inserted, registered.waiting
    if parked:
        now = parked[0].ctx.clock.now()
        live |= await uow.ingest.claim([step.record_id for step in parked], now)
    for step in steps:
        if step.record_id not in live:
            step.outcome = Outcome.DUPLICATE
    return [step for step in steps if step.record_id in live], waiting


async def _store_rejection(uow: IntakeUnitOfWork, step: Step) -> None:
    async with uow:
        if step.claimed:
            now = step.ctx.clock.now()
            stored = bool(await uow.ingest.claim([step.record_id], now))
            settlement = step.settlement()
            if stored and settlement is not None:
                await uow.ingest.settle([settlement])
        else:
            registered = await uow.ingest.register([step.record(IngestStatus.REJECTED)])
            stored = bool(registered.inserted)
        await uow.commit()
    if not stored:
        step.reset()
        step.outcome = Outcome.DUPLICATE

"""``ingest_events``: read a request's events, apply them, answer one result per event.

The events of a request are applied as if sent one by one in ``occurred_at`` order,
grouped into runs of one family (one transaction each, set-based for payments). An event
parked because a record it names is unknown, and released by a later event of the same
request, answers with how it ended.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict
from uuid import UUID

from app.domain.errors import InvalidEvent
from app.domain.intake.ingest import (
    EventType,
    IngestRecord,
    IngestStatus,
    Outcome,
    identity,
    parse_event,
    processing_order,
)
from app.services.context import Context
from app.services.intake.ports import IntakeUnitOfWork
from app.services.intake.release import release_parked
from app.services.intake.runs import apply_run
from app.services.intake.steps import Step, runs
from app.services.problems import TYPE_PREFIX, ProblemDocument, problem_document

log = logging.getLogger(__name__)

_TYPES = frozenset(t.value for t in EventType)
UNKNOWN_TYPE = "unknown"

INTERNAL_PROBLEM: ProblemDocument = {
    "type": TYPE_PREFIX + "internal-error",
    "title": "Internal server error",
    "status": 500,
    "detail": "the event could not be applied because of an internal error; it was not "
    "stored, so it can be sent again",
}


class EventResultDocument(TypedDict):
    id: str | None
    status: str
    problem: NotRequired[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class EventResult:
    id: str | None
    type: str  # the event's type, or "unknown" when it has none we know
    outcome: Outcome
    problem: Mapping[str, Any] | None = None

    def document(self) -> EventResultDocument:
        body: EventResultDocument = {"id": self.id, "status": self.outcome.value}
        if self.problem is not None:
            body["problem"] = dict(self.problem)
        return body


@dataclass(frozen=True, slots=True)
class IngestReport:
    results: list[EventResult]
    released: list[Step]  # events of earlier requests that this one released


def result_of(step: Step) -> EventResult:
    problem: ProblemDocument | None = None
    if step.internal_error:
        problem = INTERNAL_PROBLEM
    elif step.problem is not None:
        problem = problem_document(step.problem)
    return EventResult(step.event.id, step.event.type.value, step.outcome, problem)


def _type_of(raw: object) -> str:
    value = raw.get("type") if isinstance(raw, Mapping) else None
    return value if isinstance(value, str) and value in _TYPES else UNKNOWN_TYPE


def _rejected_record(
    ctx: Context, key: tuple[str, str], raw: Mapping[str, Any], error: InvalidEvent
) -> IngestRecord:
    source, event_id = key
    kind = raw.get("type")
    return IngestRecord(
        id=ctx.ids.new_id(),
        source=source,
        event_id=event_id,
        type=kind[:100] if isinstance(kind, str) else "",
        status=IngestStatus.REJECTED,
        received_at=ctx.clock.now(),
        document=raw,
        sent_by=ctx.actor.key_name,
        problem=problem_document(error),
        sent_by_user=ctx.actor.user,
    )


async def _store_invalid(
    uow: IntakeUnitOfWork, invalid: list[tuple[int, IngestRecord]], results: dict[int, EventResult]
) -> None:
    """Invalid events with a readable id are kept (rejected), so a resend is a duplicate."""
    if not invalid:
        return
    async with uow:
        stored = await uow.ingest.register([record for _, record in invalid])
        await uow.commit()
    for index, record in invalid:
        if record.id not in stored.inserted:
            results[index] = EventResult(record.event_id, results[index].type, Outcome.DUPLICATE)


async def _release(uow: IntakeUnitOfWork, ctx: Context, waiting: list[UUID]) -> list[Step]:
    """What this request's events released; the request's own answer does not depend on
    it, so a failure here is left to the periodic sweep."""
    try:
        return await release_parked(uow, ctx, waiting)
    except Exception:
        log.warning("releasing %d parked events failed", len(waiting), exc_info=True)
        return []


async def ingest_events(
    uow: IntakeUnitOfWork, ctx: Context, raw_events: Sequence[object]
) -> IngestReport:
    """Apply inbound events (parsed JSON, either form); one result per event, in order."""
    received_at = ctx.clock.now()
    results: dict[int, EventResult] = {}
    steps: dict[int, Step] = {}
    invalid: list[tuple[int, IngestRecord]] = []
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(raw_events):
        event_id, source = identity(raw)
        kind = _type_of(raw)
        if event_id is not None and source is not None and (source, event_id) in seen:
            results[index] = EventResult(event_id, kind, Outcome.DUPLICATE)
            continue
        try:
            event = parse_event(raw)
        except InvalidEvent as error:
            results[index] = EventResult(event_id, kind, Outcome.REJECTED, problem_document(error))
            if event_id is not None and source is not None and isinstance(raw, Mapping):
                seen.add((source, event_id))
                invalid.append((index, _rejected_record(ctx, (source, event_id), raw, error)))
            continue
        seen.add(event.key)
        steps[index] = Step(event, ctx, ctx.ids.new_id(), received_at)
    await _store_invalid(uow, invalid, results)
    ordered = [
        steps[index] for index, _ in processing_order([(i, s.event) for i, s in steps.items()])
    ]
    waiting = []
    for run in runs(ordered):
        waiting += await apply_run(uow, run)
    released = await _release(uow, ctx, waiting) if waiting else []
    own = {step.record_id: index for index, step in steps.items()}
    others: list[Step] = []
    for step in released:
        if step.record_id in own:
            steps[own[step.record_id]] = step
        else:
            others.append(step)
    results.update({index: result_of(step) for index, step in steps.items()})
    return IngestReport([results[i] for i in range(len(raw_events))], others)

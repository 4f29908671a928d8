"""One event on its way through ingestion, and how events are grouped into runs.

A run is a stretch of events of one family (customers, contracts, invoices, voids,
payments, reversals) in processing order, applied in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from app.domain.errors import DomainError
from app.domain.events import Actor
from app.domain.intake.ingest import (
    EventType,
    InboundEvent,
    IngestRecord,
    IngestStatus,
    Outcome,
    RecordKey,
)
from app.services.context import Context
from app.services.intake.ports import Settlement
from app.services.problems import problem_document

MAX_RUN = 500  # events per transaction: locks are held for a few dozen milliseconds at most

# Families in the order records depend on each other: among parked events released at
# once that occurred at the same moment, a customer goes before its invoices, and so on.
RANK = {
    name: rank
    for rank, name in enumerate(
        (
            "org_units",
            "people",
            "customers",
            "projects",
            "contracts",
            "milestones",
            "invoices",
            "voids",
            "payments",
            "reversals",
        )
    )
}

FAMILY: dict[EventType, str] = {
    EventType.CUSTOMER_UPSERTED: "customers",
    EventType.CONTRACT_UPSERTED: "contracts",
    EventType.INVOICE_ISSUED: "invoices",
    EventType.INVOICE_UPDATED: "invoices",
    EventType.INVOICE_VOIDED: "voids",
    EventType.PAYMENT_RECEIVED: "payments",
    EventType.PAYMENT_REVERSED: "reversals",
    EventType.ORG_UNIT_UPSERTED: "org_units",
    EventType.PERSON_UPSERTED: "people",
    EventType.PROJECT_UPSERTED: "projects",
    EventType.MILESTONE_REACHED: "milestones",
}


@dataclass(eq=False)
class Step:
    """An event being applied: a new one (registered by insert) or a parked one (claimed)."""

    event: InboundEvent
    ctx: Context
    record_id: UUID
    received_at: datetime
    claimed: bool = False
    outcome: Outcome = Outcome.ACCEPTED
    waits_for: tuple[RecordKey, ...] = ()
    problem: DomainError | None = None
    internal_error: bool = False
    note: str | None = None
    created: RecordKey | None = None

    def reset(self) -> None:
        """Forget what a failed attempt decided, before the event is tried again."""
        self.outcome, self.waits_for, self.problem = Outcome.ACCEPTED, (), None
        self.note, self.created, self.internal_error = None, None, False

    def park(self, missing: Sequence[RecordKey]) -> None:
        self.outcome, self.waits_for = Outcome.PARKED, tuple(missing)

    def reject(self, error: DomainError) -> None:
        self.outcome, self.problem = Outcome.REJECTED, error

    def settlement(self) -> Settlement | None:
        """What the end of the run writes back; None when "applied" (as registered) holds."""
        if self.outcome is Outcome.PARKED:
            return Settlement(self.record_id, IngestStatus.PARKED, waits_for=self.waits_for)
        if self.outcome is Outcome.REJECTED and self.problem is not None:
            problem = problem_document(self.problem)
            return Settlement(self.record_id, IngestStatus.REJECTED, problem=problem)
        if self.note is not None:
            return Settlement(self.record_id, IngestStatus.APPLIED, note=self.note)
        return None

    def record(self, status: IngestStatus = IngestStatus.APPLIED) -> IngestRecord:
        """The row that registers the event (as applied, until the run settles it)."""
        event = self.event
        return IngestRecord(
            id=self.record_id,
            source=event.source,
            event_id=event.id,
            type=event.type.value,
            status=status,
            received_at=self.received_at,
            document=event.document,
            sent_by=self.ctx.actor.key_name,
            occurred_at=event.occurred_at,
            subject=event.subject,
            problem=problem_document(self.problem) if self.problem else None,
            sent_by_user=self.ctx.actor.user,
            applied_at=self.received_at if status is IngestStatus.APPLIED else None,
        )


def release_order(step: Step) -> tuple[datetime, int, UUID]:
    return (step.event.occurred_at, RANK[FAMILY[step.event.type]], step.record_id)


def released_step(event: InboundEvent, record: IngestRecord, ctx: Context) -> Step:
    """A parked event about to be applied, acting for the key that sent it."""
    actor = Actor(key_name=record.sent_by, user=record.sent_by_user)
    sender = replace(ctx, actor=actor)  # every other setting of the context stays
    return Step(event, sender, record.id, record.received_at, claimed=True)


def runs(steps: Sequence[Step], max_size: int = MAX_RUN) -> Iterator[list[Step]]:
    """Consecutive steps of one family, at most ``max_size`` at a time."""
    current: list[Step] = []
    for step in steps:
        if current and (
            FAMILY[step.event.type] != FAMILY[current[0].event.type] or len(current) >= max_size
        ):
            yield current
            current = []
        current.append(step)
    if current:
        yield current

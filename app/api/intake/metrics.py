"""Ingestion metrics: one count per event answered, by type and outcome."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prometheus_client import Counter

from app.domain.intake.ingest import Outcome
from app.services.intake.steps import Step

# Ingestion: one count per event answered (accepted, duplicate, parked, rejected), and per
# parked event a later request or the sweep applied ("released") or rejected.
INGEST_EVENTS = Counter(
    "huikuan_ingest_events_total", "Inbound ERP/CRM events, by outcome.", ["type", "outcome"]
)
RELEASED = "released"


_ingest_children: dict[tuple[str, str], Any] = {}  # labels() looked up once per pair


def count_ingest(type_: str, outcome: str) -> None:
    child = _ingest_children.get((type_, outcome))
    if child is None:
        child = _ingest_children[(type_, outcome)] = INGEST_EVENTS.labels(type_, outcome)
    child.inc()


def count_released(steps: Sequence[Step]) -> None:
    """Parked events of earlier requests that a request or the sweep applied or rejected."""
    for step in steps:
        if step.outcome is Outcome.ACCEPTED:
            count_ingest(step.event.type.value, RELEASED)
        elif step.outcome is Outcome.REJECTED:
            count_ingest(step.event.type.value, Outcome.REJECTED.value)

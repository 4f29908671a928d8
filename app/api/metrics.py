"""HTTP metrics, labelled by route template (``/v1/customers/{customer_id}``), never raw paths."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prometheus_client import Counter, Histogram

from app.domain.access import AuthFailure
from app.domain.ingest import Outcome
from app.services.ingest.steps import Step

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UNMATCHED_ROUTE = "<unmatched>"

# Refused requests (401, 403) by reason: a closed set, so the label stays bounded.
AUTH_FAILURES = Counter(
    "huikuan_auth_failures_total", "Requests refused as unauthenticated or forbidden.", ["reason"]
)
_auth_children = {reason.value: AUTH_FAILURES.labels(reason.value) for reason in AuthFailure}

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


def count_auth_failure(reason: str) -> None:
    child = _auth_children.get(reason)
    if child is None:  # not a reason we know: counted, but under one label
        child = _auth_children[AuthFailure.UNKNOWN.value]
    child.inc()

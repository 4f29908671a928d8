"""Reading stored inbound events: what was applied, what waits, what was rejected."""

from __future__ import annotations

from typing import Any, TypedDict

from app.domain.events import rfc3339
from app.domain.intake.ingest import IngestRecord
from app.services.intake.ports import IngestFilter, IntakeUnitOfWork
from app.services.pagination import Page, PageRequest, make_page


async def list_ingest_events(
    uow: IntakeUnitOfWork, filters: IngestFilter, page: PageRequest
) -> Page[IngestRecord]:
    """Oldest first (by when they were received); filter by status, source, type, id."""
    rows = await uow.ingest_queries.list(filters, page)
    return make_page(rows, page, key=lambda r: (str(r.id),))


def _time(value: Any) -> str | None:
    return None if value is None else rfc3339(value)


class SentByDocument(TypedDict):
    api_key: str
    user: str | None


class IngestEventDocument(TypedDict):
    id: str
    source: str
    event_id: str
    type: str
    subject: dict[str, str] | None
    occurred_at: str | None
    received_at: str
    status: str
    waits_for: list[dict[str, str]]
    problem: dict[str, Any] | None
    note: str | None
    applied_at: str | None
    sent_by: SentByDocument
    event: dict[str, Any]


def ingest_event_document(record: IngestRecord) -> IngestEventDocument:
    return {
        "id": str(record.id),
        "source": record.source,
        "event_id": record.event_id,
        "type": record.type,
        "subject": record.subject.as_dict() if record.subject else None,
        "occurred_at": _time(record.occurred_at),
        "received_at": rfc3339(record.received_at),
        "status": record.status.value,
        "waits_for": [key.as_dict() for key in record.waits_for],
        "problem": None if record.problem is None else dict(record.problem),
        "note": record.note,
        "applied_at": _time(record.applied_at),
        "sent_by": {"api_key": record.sent_by, "user": record.sent_by_user},
        "event": dict(record.document),
    }

"""Outbound events: what happened, as CloudEvents 1.0 envelopes waiting in the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

EVENT_SOURCE = "/huikuan"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused a change: the API key's name and, when a front end says so, the person."""

    key_name: str
    user: str | None = None

    @classmethod
    def system(cls, component: str) -> Actor:
        return cls(key_name=f"system:{component}")

    def as_dict(self) -> dict[str, str | None]:
        return {"api_key": self.key_name, "user": self.user}


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """A CloudEvents 1.0 event; ``data`` is JSON-ready (strings, numbers, lists, dicts)."""

    id: UUID
    type: str
    subject: str
    time: datetime
    data: dict[str, Any]
    source: str = EVENT_SOURCE
    extra: dict[str, Any] = field(default_factory=dict)

    def envelope(self) -> dict[str, Any]:
        return {
            "specversion": "1.0",
            "id": str(self.id),
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": rfc3339(self.time),
            "datacontenttype": "application/json",
            "data": self.data,
        }


def rfc3339(moment: datetime) -> str:
    """UTC timestamp as ``2026-11-27T08:00:00Z`` (microseconds kept when present)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def changes_document(changed: dict[str, tuple[Any, Any]]) -> dict[str, dict[str, Any]]:
    return {name: {"from": before, "to": after} for name, (before, after) in changed.items()}


class DomainEvent:
    """Something that happened inside a unit of work that another context may react to in
    the same transaction (``app/services/unit_of_work.py``); never leaves the service.
    Subclasses are frozen dataclasses named in the past tense."""

    __slots__ = ()

"""The audit trail: one entry per change, derived from the change's outbound event.

Every change emits an event in its own transaction, so the unit of work writes the entry
beside the event: no use case can forget it, and a context added later is covered at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from app.domain.events import OutboxEvent

# Field names whose values never enter the trail, wherever they sit in a document.
SENSITIVE_FIELDS = frozenset(
    {"secret", "previous_secret", "key_hash", "api_key_secret", "password", "token", "key"}
)
REDACTED = "[redacted]"
# Fields that change with every write and say nothing about what changed.
_BOOKKEEPING = frozenset({"version", "updated_at", "created_at"})


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """``actor`` is the person (X-Actor or a fixed-actor key's name), ``key_name`` the key."""

    id: UUID
    at: datetime
    actor: str | None
    key_name: str
    request_id: str | None
    action: str
    subject: str
    changes: dict[str, list[Any]]


def redact(value: Any) -> Any:
    """``value`` with every sensitive field's value replaced, at any depth."""
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if k in SENSITIVE_FIELDS and v is not None else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def audit_action(event: OutboxEvent) -> str:
    """The event type, or ``<resource>.<action>`` when the event names its action (an
    invoice's write-off is an ``invoice.updated`` event with ``action: write_off``)."""
    action = event.data.get("action")
    if isinstance(action, str) and action:
        return f"{event.type.split('.', 1)[0]}.{action}"
    return str(event.type)


def may_hold_secrets(text: str) -> bool:
    """Whether JSON ``text`` (compact, as the unit of work writes it) names a sensitive
    field anywhere; a commit that names none may take the unit of work's SQL path, which
    does not redact."""
    return any(f'"{name}":' in text for name in SENSITIVE_FIELDS)


def _hidden(name: str, value: Any) -> Any:
    if name in SENSITIVE_FIELDS and value is not None:
        return REDACTED
    return redact(value)


def audit_changes(data: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}``: the event's ``changes`` when it has them, else every
    field of a new resource's document (``[null, value]``); secrets redacted."""
    changes = data.get("changes")
    if isinstance(changes, Mapping):
        out: dict[str, list[Any]] = {}
        for name, change in changes.items():
            key = str(name)
            if isinstance(change, Mapping) and "from" in change and "to" in change:
                out[key] = [_hidden(key, change["from"]), _hidden(key, change["to"])]
            else:
                out[key] = [None, _hidden(key, change)]
        return out
    document = data.get("object")
    if isinstance(document, Mapping):
        return {
            str(k): [None, _hidden(str(k), v)] for k, v in document.items() if k not in _BOOKKEEPING
        }
    return {}


def entry_for(event: OutboxEvent, request_id: str | None) -> AuditEntry:
    """The entry for the change ``event`` describes; it shares the event's id."""
    actor = event.data.get("actor")
    key_name, user = "", None
    if isinstance(actor, Mapping):
        key_name = str(actor.get("api_key") or "")
        user = actor.get("user")
    return AuditEntry(
        id=event.id,
        at=event.time,
        actor=user if isinstance(user, str) else None,
        key_name=key_name,
        request_id=request_id,
        action=audit_action(event),
        subject=event.subject,
        changes=audit_changes(event.data),
    )

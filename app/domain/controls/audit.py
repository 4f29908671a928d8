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

from app.domain.events import EventType, OutboxEvent

# Field names whose values never enter the trail, wherever they sit in a document.
SENSITIVE_FIELDS = frozenset(
    {"secret", "previous_secret", "key_hash", "api_key_secret", "password", "token", "key"}
)
REDACTED = "[redacted]"
# Fields that change with every write and say nothing about what changed.
_BOOKKEEPING = frozenset({"version", "updated_at", "created_at"})
# What an event's data holds that is not what changed: who, the document, the action's name.
_NOT_CHANGES = frozenset({"actor", "object", "changes", "action"})
# Events whose ``object`` is a resource that did not exist before.
CREATIONS: frozenset[str] = frozenset(
    {
        EventType.CUSTOMER_CREATED,
        EventType.CONTRACT_CREATED,
        EventType.INVOICE_CREATED,
        EventType.PAYMENT_RECEIVED,
        EventType.TASK_CREATED,
        EventType.TARGET_CREATED,
        EventType.INTERACTION_CREATED,
        EventType.PROMISE_CREATED,
        EventType.RISK_RAISED,
        EventType.APPROVAL_REQUESTED,
        "webhook_endpoint.created",  # audit-only changes (UnitOfWork.add_audit)
        "api_key.created",
    }
)


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


def audit_changes(event_type: str, data: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}``, secrets redacted:

    - the event's ``changes`` when it has them;
    - else, for a new resource (``CREATIONS``), each field of its document;
    - else the document after the change, as ``object`` (an allocation, a finding);
    - and beside them what else the event tells (a reason, the allocation, the invoice it
      went to) as ``[null, value]``, under its own name."""
    out: dict[str, list[Any]] = {}
    changes, document = data.get("changes"), data.get("object")
    if isinstance(changes, Mapping):
        for name, change in changes.items():
            key = str(name)
            if isinstance(change, Mapping) and "from" in change and "to" in change:
                out[key] = [_hidden(key, change["from"]), _hidden(key, change["to"])]
            else:
                out[key] = [None, _hidden(key, change)]
    elif event_type in CREATIONS and isinstance(document, Mapping):
        for name, value in document.items():
            if name not in _BOOKKEEPING:
                out[str(name)] = [None, _hidden(str(name), value)]
    elif document is not None:
        out["object"] = [None, redact(document)]
    for name, value in data.items():
        if name not in _NOT_CHANGES and name not in out:
            out[str(name)] = [None, _hidden(str(name), value)]
    return out


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
        changes=audit_changes(str(event.type), event.data),
    )

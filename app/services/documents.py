"""Resources as the API shows them, as JSON-ready dicts.

Both the HTTP responses and the event payloads are built from these functions, so an
event's ``data.object`` is exactly what ``GET`` on the resource returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from app.domain.customers import Customer
from app.domain.delivery import DeliveryAttempt, WebhookDelivery
from app.domain.events import changes_document, rfc3339
from app.domain.money import Money
from app.domain.risk import RiskSummary
from app.domain.webhooks import WebhookEndpoint, redact_url
from app.services.ports import Balance


def jsonable(value: Any) -> Any:
    """Turn domain values into JSON-ready ones: Money -> str, UUID -> str, dates -> ISO."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, Money):
        return value.to_wire()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    raise TypeError(f"cannot express {type(value).__name__} in JSON")


def changes_json(changed: dict[str, tuple[Any, Any]]) -> dict[str, Any]:
    return jsonable(changes_document(changed))  # type: ignore[no-any-return]


def customer_document(customer: Customer) -> dict[str, Any]:
    return {
        "id": str(customer.id),
        "external_id": customer.external_id,
        "name": customer.name,
        "credit_rating": jsonable(customer.credit_rating),
        "credit_limit": jsonable(customer.credit_limit),
        "currency": customer.currency,
        "payment_terms_days": customer.payment_terms_days,
        "contacts": jsonable(list(customer.contacts)),
        "version": customer.version,
        "created_at": rfc3339(customer.created_at),
        "updated_at": rfc3339(customer.updated_at),
    }


# Fields that change with every write and say nothing about what changed.
_BOOKKEEPING = frozenset({"version", "updated_at"})


def document_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """``{field: {"from", "to"}}`` for the top-level fields that differ between documents."""
    return {
        name: {"from": before.get(name), "to": value}
        for name, value in after.items()
        if name not in _BOOKKEEPING and before.get(name) != value
    }


def customer_detail_document(
    customer: Customer, balances: Sequence[Balance], risk: RiskSummary | None = None
) -> dict[str, Any]:
    """The customer as ``GET /v1/customers/{id}`` shows it: with what they owe per currency
    and a summary of the active risk flags on it, its contracts and its invoices."""
    risk = risk or RiskSummary()
    highest = risk.highest_severity
    return {
        **customer_document(customer),
        "balances": [
            {
                "currency": b.currency,
                "outstanding": b.outstanding.to_wire(),
                "overdue": b.overdue.to_wire(),
            }
            for b in balances
        ],
        "risk": {
            "open_flags": risk.open_flags,
            "highest_severity": None if highest is None else highest.label,
        },
    }


def webhook_endpoint_document(
    endpoint: WebhookEndpoint, *, whole_url: bool = False
) -> dict[str, Any]:
    """An endpoint as the API shows it: never its signing secrets, and its URL redacted
    (tokens hide in URLs) except in the admin's answers about this one endpoint."""
    return {
        "id": str(endpoint.id),
        "url": endpoint.url if whole_url else redact_url(endpoint.url),
        "event_types": list(endpoint.event_types),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "version": endpoint.version,
        "created_at": rfc3339(endpoint.created_at),
        "updated_at": rfc3339(endpoint.updated_at),
    }


def _optional_time(moment: datetime | None) -> str | None:
    return rfc3339(moment) if moment is not None else None


def delivery_attempt_document(attempt: DeliveryAttempt) -> dict[str, Any]:
    return {
        "attempt": attempt.number,
        "at": rfc3339(attempt.at),
        "status_code": attempt.status_code,
        "error": attempt.error,
        "duration_ms": attempt.duration_ms,
        "next_attempt_at": _optional_time(attempt.next_attempt_at),
    }


def webhook_delivery_document(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": str(delivery.id),
        "endpoint_id": str(delivery.endpoint_id),
        "event_id": str(delivery.event_id),
        "event_type": delivery.event_type,
        "status": delivery.status.value,
        "attempt_count": delivery.attempt_count,
        "next_attempt_at": _optional_time(delivery.next_attempt_at),
        "delivered_at": _optional_time(delivery.delivered_at),
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "attempts": [delivery_attempt_document(a) for a in delivery.attempts],
        "created_at": rfc3339(delivery.created_at),
        "updated_at": rfc3339(delivery.updated_at),
    }

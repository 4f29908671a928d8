"""Webhook endpoints and deliveries as the API shows them, as JSON-ready dicts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.domain.delivery.delivery import DeliveryAttempt, WebhookDelivery
from app.domain.delivery.webhooks import WebhookEndpoint, redact_url
from app.domain.events import rfc3339


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

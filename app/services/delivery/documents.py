"""Webhook endpoints and deliveries as the API shows them, as JSON-ready dicts."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from app.domain.delivery.delivery import DeliveryAttempt, WebhookDelivery
from app.domain.delivery.webhooks import WebhookEndpoint, redact_url
from app.domain.events import rfc3339


class WebhookEndpointDocument(TypedDict):
    id: str
    url: str
    event_types: list[str]
    format: str
    description: str | None
    enabled: bool
    disabled_reason: str | None
    version: int
    created_at: str
    updated_at: str


class DeliveryAttemptDocument(TypedDict):
    attempt: int
    at: str
    status_code: int | None
    error: str | None
    duration_ms: int
    next_attempt_at: str | None


class WebhookDeliveryDocument(TypedDict):
    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    status: str
    attempt_count: int
    next_attempt_at: str | None
    delivered_at: str | None
    last_status_code: int | None
    last_error: str | None
    attempts: list[DeliveryAttemptDocument]
    created_at: str
    updated_at: str


def webhook_endpoint_document(
    endpoint: WebhookEndpoint, *, whole_url: bool = False
) -> WebhookEndpointDocument:
    """An endpoint as the API shows it: never its signing secrets, and its URL redacted
    (tokens hide in URLs) except in the admin's answers about this one endpoint."""
    return {
        "id": str(endpoint.id),
        "url": endpoint.url if whole_url else redact_url(endpoint.url),
        "event_types": list(endpoint.event_types),
        "format": endpoint.format.value,
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "version": endpoint.version,
        "created_at": rfc3339(endpoint.created_at),
        "updated_at": rfc3339(endpoint.updated_at),
    }


def _optional_time(moment: datetime | None) -> str | None:
    return rfc3339(moment) if moment is not None else None


def delivery_attempt_document(attempt: DeliveryAttempt) -> DeliveryAttemptDocument:
    return {
        "attempt": attempt.number,
        "at": rfc3339(attempt.at),
        "status_code": attempt.status_code,
        "error": attempt.error,
        "duration_ms": attempt.duration_ms,
        "next_attempt_at": _optional_time(attempt.next_attempt_at),
    }


def webhook_delivery_document(delivery: WebhookDelivery) -> WebhookDeliveryDocument:
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

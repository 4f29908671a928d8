"""Webhook endpoint use cases: create, change, rotate the secret, delete; their deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from app.domain.delivery.chat import EndpointFormat, robot_secret
from app.domain.delivery.delivery import DeliveryStatus, WebhookDelivery, schedule_manual_retry
from app.domain.delivery.webhooks import (
    ENDPOINT_DISABLED,
    WebhookEndpoint,
    change_endpoint,
    disable_endpoint,
    generate_secret,
    redact_url,
    rotate_secret,
)
from app.domain.errors import Conflict, NotFound, StaleVersion
from app.services.context import Context
from app.services.delivery.documents import webhook_endpoint_document
from app.services.delivery.ports import DeliveryUnitOfWork
from app.services.documents import changes_json
from app.services.pagination import Page, PageRequest, make_page


@dataclass(frozen=True, slots=True)
class NewEndpoint:
    url: str
    event_types: tuple[str, ...]
    description: str | None = None
    enabled: bool = True
    format: EndpointFormat = EndpointFormat.CLOUDEVENTS
    secret: str | None = field(default=None, repr=False)  # a chat robot's, given


@dataclass(frozen=True, slots=True)
class EndpointWithSecret:
    """An endpoint and its signing secret: the only answer that shows the secret (a chat
    robot's as given, "" when it has none)."""

    endpoint: WebhookEndpoint
    secret: str = field(repr=False)


def subject(endpoint_id: UUID) -> str:
    return f"webhook-endpoints/{endpoint_id}"


# Endpoint changes other than a disabling are told to no subscriber, but the audit trail
# records them (who pointed the service's events where). Never a secret.
_SECRET_CHANGED = {"secret": {"from": "[redacted]", "to": "[redacted]"}}


def _audit(
    uow: DeliveryUnitOfWork, ctx: Context, action: str, endpoint: WebhookEndpoint, **data: Any
) -> None:
    document = webhook_endpoint_document(endpoint)
    uow.add_audit(ctx.record(action, subject(endpoint.id), {"object": document, **data}))


async def create_endpoint(
    uow: DeliveryUnitOfWork, ctx: Context, cmd: NewEndpoint
) -> EndpointWithSecret:
    """Create an endpoint with a fresh ``whsec_`` secret (a chat robot: the one given), if
    its URL may be reached."""
    now = ctx.clock.now()
    given = robot_secret(cmd.format, cmd.secret)
    endpoint = WebhookEndpoint(
        id=ctx.ids.new_id(),
        url=cmd.url,
        event_types=cmd.event_types,
        description=cmd.description,
        enabled=cmd.enabled,
        disabled_reason=None if cmd.enabled else "created disabled",
        secret=given if cmd.format.is_chat else generate_secret(),
        created_at=now,
        updated_at=now,
        format=cmd.format,
    )
    ctx.destinations.check_url(endpoint.url)
    await uow.webhook_endpoints.add(endpoint)
    _audit(uow, ctx, "webhook_endpoint.created", endpoint)
    return EndpointWithSecret(endpoint, endpoint.secret)


async def _load(
    uow: DeliveryUnitOfWork, endpoint_id: UUID, expected_version: int | None
) -> WebhookEndpoint:
    endpoint = await uow.webhook_endpoints.get(endpoint_id)
    if endpoint is None:
        raise NotFound("webhook endpoint", endpoint_id)
    if expected_version is not None and expected_version != endpoint.version:
        raise StaleVersion("webhook endpoint", expected_version, endpoint.version)
    return endpoint


async def get_endpoint(uow: DeliveryUnitOfWork, endpoint_id: UUID) -> WebhookEndpoint:
    return await _load(uow, endpoint_id, None)


async def list_endpoints(
    uow: DeliveryUnitOfWork, *, enabled: bool | None, page: PageRequest
) -> Page[WebhookEndpoint]:
    rows = await uow.webhook_endpoint_queries.list(enabled=enabled, page=page)
    return make_page(rows, page, key=lambda e: (str(e.id),))


async def announce_disabled(
    uow: DeliveryUnitOfWork, ctx: Context, endpoint: WebhookEndpoint, changes: dict[str, Any]
) -> None:
    """Fail the endpoint's waiting deliveries and emit ``webhook_endpoint.disabled``."""
    reason = endpoint.disabled_reason or "disabled"
    await uow.webhook_deliveries.fail_pending(
        endpoint.id, f"endpoint disabled: {reason}", ctx.clock.now()
    )
    if "url" in changes:  # read keys see events: the URL's tokens stay out
        changes = {**changes, "url": {k: redact_url(v) for k, v in changes["url"].items()}}
    data = {
        "object": webhook_endpoint_document(endpoint),
        "reason": reason,
        "changes": changes,
    }
    uow.add_event(ctx.event(ENDPOINT_DISABLED, subject(endpoint.id), data))


async def disable_for_cause(
    uow: DeliveryUnitOfWork, ctx: Context, endpoint_id: UUID, reason: str
) -> WebhookEndpoint | None:
    """Disable an enabled endpoint inside the caller's unit of work (the relay's rules)."""
    endpoint = await uow.webhook_endpoints.get(endpoint_id)
    if endpoint is None or not endpoint.enabled:
        return None
    disabled = disable_endpoint(endpoint, reason, ctx.clock.now())
    await uow.webhook_endpoints.save(disabled, expected_version=endpoint.version)
    changes = changes_json({"enabled": (True, False)})
    await announce_disabled(uow, ctx, disabled, changes)
    return disabled


async def update_endpoint(
    uow: DeliveryUnitOfWork,
    ctx: Context,
    endpoint_id: UUID,
    values: dict[str, Any],
    expected_version: int | None = None,
) -> WebhookEndpoint:
    """Change url, event_types, description or enabled; disabling emits an event."""
    endpoint = await _load(uow, endpoint_id, expected_version)
    updated, changed = change_endpoint(endpoint, values, ctx.clock.now())
    if not changed:
        return endpoint
    if "url" in changed:
        ctx.destinations.check_url(updated.url)
    await uow.webhook_endpoints.save(updated, expected_version=endpoint.version)
    if "enabled" in changed and updated.enabled:
        await uow.webhook_endpoints.mark_healthy([endpoint.id])  # a fresh start
    if "enabled" in changed and not updated.enabled:
        await announce_disabled(uow, ctx, updated, changes_json(changed))
    else:
        changes = changes_json(changed)
        if "url" in changes:
            changes["url"] = {k: redact_url(v) for k, v in changes["url"].items()}
        _audit(uow, ctx, "webhook_endpoint.updated", updated, changes=changes)
    return updated


async def rotate_endpoint_secret(
    uow: DeliveryUnitOfWork, ctx: Context, endpoint_id: UUID, expected_version: int | None = None
) -> EndpointWithSecret:
    """A new secret signs from now on; the old one keeps signing beside it for 24 h."""
    endpoint = await _load(uow, endpoint_id, expected_version)
    if endpoint.format.is_chat:
        raise Conflict(
            "a chat robot's secret is the platform's: create the endpoint again with the new one"
        )
    rotated = rotate_secret(endpoint, generate_secret(), ctx.clock.now())
    await uow.webhook_endpoints.save(rotated, expected_version=endpoint.version)
    _audit(uow, ctx, "webhook_endpoint.secret_rotated", rotated, changes=_SECRET_CHANGED)
    return EndpointWithSecret(rotated, rotated.secret)


async def delete_endpoint(
    uow: DeliveryUnitOfWork, ctx: Context, endpoint_id: UUID, expected_version: int | None = None
) -> None:
    """Remove the endpoint and its delivery history."""
    endpoint = await _load(uow, endpoint_id, expected_version)
    await uow.webhook_endpoints.delete(endpoint_id)
    _audit(uow, ctx, "webhook_endpoint.deleted", endpoint)


async def list_deliveries(
    uow: DeliveryUnitOfWork, endpoint_id: UUID, *, status: DeliveryStatus | None, page: PageRequest
) -> Page[WebhookDelivery]:
    """The endpoint's deliveries, newest first, each with every attempt."""
    await _load(uow, endpoint_id, None)
    rows = await uow.webhook_delivery_queries.list_for_endpoint(
        endpoint_id, status=status, page=page
    )
    return make_page(rows, page, key=lambda d: (str(d.id),))


async def get_delivery(uow: DeliveryUnitOfWork, delivery_id: UUID) -> WebhookDelivery:
    delivery = await uow.webhook_deliveries.get(delivery_id)
    if delivery is None:
        raise NotFound("webhook delivery", delivery_id)
    return delivery


async def retry_delivery(
    uow: DeliveryUnitOfWork, ctx: Context, delivery_id: UUID
) -> WebhookDelivery:
    """Send a delivery again now (a failed or delivered one gets one more attempt)."""
    delivery = await uow.webhook_deliveries.get(delivery_id)
    if delivery is None:
        raise NotFound("webhook delivery", delivery_id)
    endpoint = await uow.webhook_endpoints.get(delivery.endpoint_id)
    enabled = endpoint is not None and endpoint.enabled
    retried = schedule_manual_retry(delivery, enabled, ctx.clock.now())
    await uow.webhook_deliveries.reschedule(retried)
    return retried

"""/v1/webhook-endpoints and /v1/webhook-deliveries (scope admin)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response, status

from app.api.base import resource_router
from app.api.delivery.schemas.webhooks import (
    WebhookDeliveryOut,
    WebhookEndpointCreate,
    WebhookEndpointOut,
    WebhookEndpointPatch,
    WebhookEndpointWithSecret,
)
from app.api.deps import NO_STORE, AdminContext, Administrator, IfMatch, UowDep, etag
from app.api.errors import problem_responses
from app.api.schemas import PageOut
from app.domain.delivery.delivery import DeliveryStatus
from app.services.delivery import webhooks as use_cases
from app.services.delivery.documents import (
    WebhookDeliveryDocument,
    WebhookEndpointDocument,
    webhook_delivery_document,
    webhook_endpoint_document,
)
from app.services.pagination import page_request

router = resource_router("/v1/webhook-endpoints", "delivery")
deliveries_router = resource_router("/v1/webhook-deliveries", "delivery")

Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=500)]


def _with_secret(created: use_cases.EndpointWithSecret, response: Response) -> dict[str, Any]:
    response.headers["ETag"] = etag(created.endpoint.version)
    response.headers["Cache-Control"] = NO_STORE
    return {
        **webhook_endpoint_document(created.endpoint, whole_url=True),
        "secret": created.secret or None,  # a chat robot without a secret
    }


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a webhook endpoint (its secret is shown once)",
    response_model=WebhookEndpointWithSecret,
)
async def create_webhook_endpoint(
    body: WebhookEndpointCreate, uow: UowDep, ctx: AdminContext, response: Response
) -> dict[str, Any]:
    async with uow:
        created = await use_cases.create_endpoint(
            uow,
            ctx,
            use_cases.NewEndpoint(
                url=body.url,
                event_types=tuple(body.event_types),
                description=body.description,
                enabled=body.enabled,
                format=body.format,
                secret=body.secret,
            ),
        )
        await uow.commit()
    response.headers["Location"] = f"/v1/webhook-endpoints/{created.endpoint.id}"
    return _with_secret(created, response)


@router.get("", summary="List webhook endpoints", response_model=PageOut[WebhookEndpointOut])
async def list_webhook_endpoints(
    uow: UowDep,
    _: Administrator,
    enabled: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    async with uow:
        page = await use_cases.list_endpoints(
            uow, enabled=enabled, page=page_request(limit, cursor)
        )
    return {
        "data": [webhook_endpoint_document(e) for e in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/{endpoint_id}",
    summary="Get a webhook endpoint",
    response_model=WebhookEndpointOut,
    responses=problem_responses(404),
)
async def get_webhook_endpoint(
    endpoint_id: UUID, uow: UowDep, _: Administrator, response: Response
) -> WebhookEndpointDocument:
    async with uow:
        endpoint = await use_cases.get_endpoint(uow, endpoint_id)
    response.headers["ETag"] = etag(endpoint.version)
    return webhook_endpoint_document(endpoint, whole_url=True)


@router.patch(
    "/{endpoint_id}",
    summary="Change a webhook endpoint; enable or disable it",
    response_model=WebhookEndpointOut,
    responses=problem_responses(404, 412),
)
async def update_webhook_endpoint(
    endpoint_id: UUID,
    body: WebhookEndpointPatch,
    uow: UowDep,
    ctx: AdminContext,
    expected_version: IfMatch,
    response: Response,
) -> WebhookEndpointDocument:
    values = body.model_dump(exclude_unset=True)
    async with uow:
        endpoint = await use_cases.update_endpoint(uow, ctx, endpoint_id, values, expected_version)
        await uow.commit()
    response.headers["ETag"] = etag(endpoint.version)
    return webhook_endpoint_document(endpoint, whole_url=True)


@router.delete(
    "/{endpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a webhook endpoint and its deliveries",
    response_class=Response,
    responses=problem_responses(404, 412),
)
async def delete_webhook_endpoint(
    endpoint_id: UUID, uow: UowDep, ctx: AdminContext, expected_version: IfMatch
) -> Response:
    async with uow:
        await use_cases.delete_endpoint(uow, ctx, endpoint_id, expected_version)
        await uow.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{endpoint_id}/rotate-secret",
    summary="Rotate the signing secret (the old one keeps signing for 24 h)",
    response_model=WebhookEndpointWithSecret,
    responses=problem_responses(404, 409, 412),
)
async def rotate_webhook_secret(
    endpoint_id: UUID,
    uow: UowDep,
    ctx: AdminContext,
    expected_version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    async with uow:
        rotated = await use_cases.rotate_endpoint_secret(uow, ctx, endpoint_id, expected_version)
        await uow.commit()
    return _with_secret(rotated, response)


@router.get(
    "/{endpoint_id}/deliveries",
    summary="The endpoint's deliveries, newest first, with every attempt",
    response_model=PageOut[WebhookDeliveryOut],
    responses=problem_responses(404),
)
async def list_webhook_deliveries(
    endpoint_id: UUID,
    uow: UowDep,
    _: Administrator,
    state: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    async with uow:
        page = await use_cases.list_deliveries(
            uow, endpoint_id, status=state, page=page_request(limit, cursor)
        )
    return {
        "data": [webhook_delivery_document(d) for d in page.items],
        "next_cursor": page.next_cursor,
    }


@deliveries_router.get(
    "/{delivery_id}",
    summary="Get a webhook delivery",
    response_model=WebhookDeliveryOut,
    responses=problem_responses(404),
)
async def get_webhook_delivery(
    delivery_id: UUID, uow: UowDep, _: Administrator
) -> WebhookDeliveryDocument:
    async with uow:
        delivery = await use_cases.get_delivery(uow, delivery_id)
    return webhook_delivery_document(delivery)


@deliveries_router.post(
    "/{delivery_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a delivery again now (a finished one gets one more attempt)",
    response_model=WebhookDeliveryOut,
    responses=problem_responses(404, 409),
)
async def retry_webhook_delivery(
    delivery_id: UUID, uow: UowDep, ctx: AdminContext
) -> WebhookDeliveryDocument:
    async with uow:
        delivery = await use_cases.retry_delivery(uow, ctx, delivery_id)
        await uow.commit()
    return webhook_delivery_document(delivery)

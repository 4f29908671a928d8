"""Reading delivery state in relay tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from app.domain.delivery.delivery import DeliveryStatus, WebhookDelivery
from app.services.delivery.webhooks import list_deliveries
from app.services.pagination import PageRequest
from app.services.platform import Platform
from app.services.unit_of_work import in_transaction

Check = Callable[[], Awaitable[bool]]


async def deliveries_of(platform: Platform, endpoint_id: UUID) -> list[WebhookDelivery]:
    page = await in_transaction(
        platform.uow(), list_deliveries, endpoint_id, status=None, page=PageRequest(limit=500)
    )
    return list(page.items)


async def statuses(platform: Platform, endpoint_id: UUID) -> list[DeliveryStatus]:
    return [d.status for d in await deliveries_of(platform, endpoint_id)]


def all_are(status: DeliveryStatus, count: int, platform: Platform, endpoint_id: UUID) -> Check:
    """The endpoint has exactly ``count`` deliveries, all in ``status``."""

    async def check() -> bool:
        found = await statuses(platform, endpoint_id)
        return len(found) == count and all(s is status for s in found)

    return check


def attempted_once(platform: Platform, endpoint_id: UUID) -> Check:
    """The endpoint has one delivery, tried once."""

    async def check() -> bool:
        found = await deliveries_of(platform, endpoint_id)
        return len(found) == 1 and found[0].attempt_count == 1

    return check

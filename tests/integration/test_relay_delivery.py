"""The relay against a real HTTP receiver on 127.0.0.1: signatures, body, retries, failure."""

from __future__ import annotations

import json
from datetime import timedelta

from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from standardwebhooks import Webhook

from app.domain.delivery import DeliveryStatus
from app.domain.events import Actor
from app.services import webhooks
from app.services.platform import Platform
from tests.fakes import FixedClock
from tests.integration.conftest import RelayStarter, emit, relay_settings, subscribe
from tests.receiver import Receiver, Reply, eventually


async def deliveries_of(platform: Platform, endpoint_id: object) -> list[webhooks.WebhookDelivery]:
    page = await webhooks.list_deliveries(
        platform.uow(), endpoint_id, status=None, page=webhooks.PageRequest(limit=500)
    )
    return list(page.items)


async def test_delivers_a_signed_cloudevent(
    platform: Platform, relays: RelayStarter, receiver: Receiver
) -> None:
    endpoint = await subscribe(platform, receiver.url)
    [event] = await emit(platform)
    await relays()

    await eventually(lambda: len(receiver.received) == 1)
    request = receiver.received[0]
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload == json.loads(request.body)
    assert request.headers["webhook-id"] == str(event.id)
    assert request.headers["content-type"].startswith("application/cloudevents+json")
    cloud_event = from_http_event(HTTPMessage(headers=request.headers, body=request.body))
    assert cloud_event.get_id() == str(event.id)
    assert cloud_event.get_type() == "invoice.paid"
    assert cloud_event.get_source() == "/huikuan"
    assert cloud_event.get_subject() == "invoices/0"
    assert cloud_event.get_data() == event.data

    async def recorded() -> bool:
        [delivery] = await deliveries_of(platform, endpoint.endpoint.id)
        return delivery.status is DeliveryStatus.DELIVERED

    await eventually(recorded)
    [delivery] = await deliveries_of(platform, endpoint.endpoint.id)
    assert delivery.event_id == event.id
    assert [(a.number, a.status_code, a.error) for a in delivery.attempts] == [(1, 200, None)]

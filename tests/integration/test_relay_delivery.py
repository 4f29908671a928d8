"""The relay against a real HTTP receiver on 127.0.0.1: signatures, body, retries, failure."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta

from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from standardwebhooks import Webhook

from app.domain.delivery.delivery import DeliveryStatus
from app.domain.events import Actor
from app.services.delivery import webhooks
from app.services.platform import Platform
from app.services.unit_of_work import in_transaction
from tests.fakes import FixedClock
from tests.integration.conftest import RelayStarter, emit, relay_settings, subscribe
from tests.integration.helpers import all_are, attempted_once, deliveries_of
from tests.receiver import Received, Receiver, Reply, eventually, free_port


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


async def test_retries_until_the_receiver_recovers_and_delivers_every_event(
    platform: Platform, clock: FixedClock, relays: RelayStarter
) -> None:
    answered: Counter[str] = Counter()

    def flaky(request: Received) -> Reply:
        answered[request.webhook_id] += 1
        return Reply(500) if answered[request.webhook_id] <= 2 else Reply(204)

    receiver = await Receiver(flaky).start()
    try:
        endpoint = await subscribe(platform, receiver.url)
        events = await emit(platform, 5)
        await relays()
        done = all_are(DeliveryStatus.DELIVERED, 5, platform, endpoint.endpoint.id)
        await eventually(done, tick=lambda: clock.advance(hours=1))
    finally:
        await receiver.stop()

    assert answered == {str(e.id): 3 for e in events}
    for delivery in await deliveries_of(platform, endpoint.endpoint.id):
        first, second, third = delivery.attempts
        assert (first.status_code, second.status_code, third.status_code) == (500, 500, 204)
        assert first.error == "HTTP 500 Internal Server Error"
        assert first.next_attempt_at == first.at + timedelta(seconds=5)
        assert second.next_attempt_at == second.at + timedelta(seconds=300)
        assert third.next_attempt_at is None


async def test_a_receiver_down_for_the_whole_schedule_fails_then_a_manual_retry_delivers(
    platform: Platform, clock: FixedClock, relays: RelayStarter
) -> None:
    port = free_port()  # nothing listens there yet: every attempt is refused
    endpoint = await subscribe(platform, f"http://127.0.0.1:{port}/hooks")
    [event] = await emit(platform)
    await relays()
    failed = all_are(DeliveryStatus.FAILED, 1, platform, endpoint.endpoint.id)
    await eventually(failed, tick=lambda: clock.advance(hours=1))
    [delivery] = await deliveries_of(platform, endpoint.endpoint.id)
    assert delivery.attempt_count == 4  # the first attempt and the schedule's three retries
    assert all(
        a.status_code is None and "ConnectError" in (a.error or "") for a in delivery.attempts
    )

    receiver = await Receiver(port=port).start()
    try:
        ctx = platform.context(Actor("test"))
        retried = await in_transaction(platform.uow(), webhooks.retry_delivery, ctx, delivery.id)
        assert retried.status is DeliveryStatus.PENDING
        delivered = all_are(DeliveryStatus.DELIVERED, 1, platform, endpoint.endpoint.id)
        await eventually(delivered)
    finally:
        await receiver.stop()
    assert receiver.ids() == [str(event.id)]
    [delivery] = await deliveries_of(platform, endpoint.endpoint.id)
    assert [a.number for a in delivery.attempts] == [1, 2, 3, 4, 5]
    assert delivery.attempts[-1].status_code == 200


async def test_retry_after_on_429_is_honoured(
    platform: Platform, clock: FixedClock, relays: RelayStarter
) -> None:
    answers = iter([Reply(429, {"Retry-After": "3600"})])
    receiver = await Receiver(lambda _: next(answers, Reply(200))).start()
    try:
        endpoint = await subscribe(platform, receiver.url)
        await emit(platform)
        await relays()

        await eventually(attempted_once(platform, endpoint.endpoint.id))
        [delivery] = await deliveries_of(platform, endpoint.endpoint.id)
        assert delivery.next_attempt_at == delivery.attempts[0].at + timedelta(hours=1)
        clock.advance(minutes=59)
        assert len(receiver.received) == 1
        delivered = all_are(DeliveryStatus.DELIVERED, 1, platform, endpoint.endpoint.id)
        await eventually(delivered, tick=lambda: clock.advance(minutes=1))
    finally:
        await receiver.stop()


async def test_a_redirect_is_a_failed_attempt_never_followed(
    platform: Platform, relays: RelayStarter
) -> None:
    receiver = await Receiver(lambda _: Reply(302, {"Location": "/elsewhere"})).start()
    try:
        endpoint = await subscribe(platform, receiver.url)
        await emit(platform)
        await relays()

        await eventually(attempted_once(platform, endpoint.endpoint.id))
    finally:
        await receiver.stop()
    assert [r.path for r in receiver.received] == ["/hooks"]  # nothing sent to the Location
    [delivery] = await deliveries_of(platform, endpoint.endpoint.id)
    assert delivery.status is DeliveryStatus.PENDING
    assert [(a.status_code, a.error) for a in delivery.attempts] == [(302, "HTTP 302 Found")]


async def test_a_timeout_is_an_error_that_is_retried(
    platform: Platform, relays: RelayStarter
) -> None:
    never = asyncio.Event()
    receiver = await Receiver(lambda _: Reply(wait=never)).start()
    try:
        endpoint = await subscribe(platform, receiver.url)
        await emit(platform)
        await relays(relay_settings(webhook_timeout_s=0.2))

        await eventually(attempted_once(platform, endpoint.endpoint.id))
    finally:
        never.set()
        await receiver.stop()
    [delivery] = await deliveries_of(platform, endpoint.endpoint.id)
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.last_error == "no answer within 0.2 s"


async def test_only_subscribed_enabled_endpoints_get_deliveries(
    platform: Platform, relays: RelayStarter, receiver: Receiver
) -> None:
    everything = await subscribe(platform, receiver.url)
    payments = await subscribe(platform, receiver.url, ("payment.received",))
    switched_off = await subscribe(platform, receiver.url)
    ctx = platform.context(Actor("test"))
    await in_transaction(
        platform.uow(), webhooks.update_endpoint, ctx, switched_off.endpoint.id, {"enabled": False}
    )
    await emit(platform, 2, "invoice.paid")
    await emit(platform, 1, "payment.received")
    await relays()
    # "*" also receives the webhook_endpoint.disabled event of the endpoint switched off.
    await eventually(lambda: len(receiver.received) == 5)
    await eventually(all_are(DeliveryStatus.DELIVERED, 4, platform, everything.endpoint.id))
    assert [d.event_type for d in await deliveries_of(platform, payments.endpoint.id)] == [
        "payment.received"
    ]
    assert await deliveries_of(platform, switched_off.endpoint.id) == []


async def test_a_rotated_secret_signs_beside_the_old_one(
    platform: Platform, relays: RelayStarter, receiver: Receiver
) -> None:
    endpoint = await subscribe(platform, receiver.url)
    ctx = platform.context(Actor("test"))
    rotated = await in_transaction(
        platform.uow(), webhooks.rotate_endpoint_secret, ctx, endpoint.endpoint.id
    )
    assert rotated.secret != endpoint.secret
    await emit(platform)
    await relays()
    await eventually(lambda: len(receiver.received) == 1)
    request = receiver.received[0]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (endpoint.secret, rotated.secret):
        Webhook(secret).verify(request.body, request.headers)

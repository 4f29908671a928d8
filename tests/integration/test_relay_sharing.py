"""Relays sharing the work, crashing, stopping, and endpoints that are slow or gone."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.access.idempotency import SqlIdempotencyStore
from app.adapters.db.engine import create_engine
from app.adapters.db.health import DatabaseReadiness
from app.adapters.db.uow import SqlUnitOfWorkFactory
from app.adapters.ids import Uuid7Generator
from app.domain.delivery.delivery import DeliveryStatus
from app.services.delivery import webhooks
from app.services.platform import Platform
from app.services.reactions import REACTIONS
from app.services.unit_of_work import in_transaction
from tests.fakes import FixedClock
from tests.integration.conftest import RelayStarter, emit, relay_settings, subscribe
from tests.integration.helpers import all_are, attempted_once, deliveries_of
from tests.receiver import Received, Receiver, Reply, eventually


@pytest.fixture
async def other_process(database_url: str, clock: FixedClock) -> AsyncIterator[Platform]:
    """What a second process has: its own engine and pool on the same database."""
    engine = create_engine(database_url, pool_size=5, max_overflow=5)
    yield Platform(
        uow=SqlUnitOfWorkFactory(engine, REACTIONS),
        clock=clock,
        ids=Uuid7Generator(),
        idempotency=SqlIdempotencyStore(engine),
        readiness=DatabaseReadiness(engine),
    )
    await engine.dispose()


async def test_two_relays_deliver_each_event_exactly_once(
    platform: Platform, other_process: Platform, relays: RelayStarter, receiver: Receiver
) -> None:
    endpoint = await subscribe(platform, receiver.url)
    await relays(relay_settings(relay_batch_size=10))
    await relays(relay_settings(relay_batch_size=10), on=other_process)
    events = await emit(platform, 150)
    await eventually(all_are(DeliveryStatus.DELIVERED, 150, platform, endpoint.endpoint.id))
    assert Counter(receiver.ids()) == {str(e.id): 1 for e in events}


async def test_a_relay_killed_between_sending_and_recording_leads_to_redelivery(
    platform: Platform, relays: RelayStarter
) -> None:
    first_answer = asyncio.Event()
    seen: list[str] = []

    def receive_then_hang_once(request: Received) -> Reply:
        seen.append(request.webhook_id)
        return Reply(wait=first_answer) if len(seen) == 1 else Reply(200)

    receiver = await Receiver(receive_then_hang_once).start()
    try:
        endpoint = await subscribe(platform, receiver.url)
        [event] = await emit(platform)
        crashing = await relays(relay_settings(webhook_timeout_s=1, relay_lease_s=2.5))
        await eventually(lambda: len(seen) == 1)
        assert crashing.task is not None
        crashing.task.cancel()  # a crash: nothing is recorded, no lease is given back
        with contextlib.suppress(asyncio.CancelledError):
            await crashing.task
        first_answer.set()
        await relays()
        await eventually(all_are(DeliveryStatus.DELIVERED, 1, platform, endpoint.endpoint.id))
    finally:
        first_answer.set()
        await receiver.stop()
    assert seen == [str(event.id), str(event.id)]


async def test_a_slow_endpoint_does_not_delay_the_others(
    platform: Platform, relays: RelayStarter, receiver: Receiver
) -> None:
    release = asyncio.Event()
    slow = await Receiver(lambda _: Reply(wait=release)).start()
    try:
        stuck = await subscribe(platform, slow.url)
        healthy = await subscribe(platform, receiver.url)
        await relays(
            relay_settings(relay_endpoint_concurrency=2, webhook_timeout_s=20, relay_lease_s=60)
        )
        await emit(platform, 30)
        await eventually(all_are(DeliveryStatus.DELIVERED, 30, platform, healthy.endpoint.id))
        assert len(slow.received) == 2  # its two slots, still waiting for an answer
        release.set()
        await eventually(all_are(DeliveryStatus.DELIVERED, 30, platform, stuck.endpoint.id))
    finally:
        release.set()
        await slow.stop()


async def test_a_graceful_stop_releases_what_it_could_not_finish(
    platform: Platform, relays: RelayStarter, db: AsyncEngine
) -> None:
    never = asyncio.Event()
    receiver = await Receiver(lambda _: Reply(wait=never)).start()
    try:
        endpoint = await subscribe(platform, receiver.url)
        await emit(platform)
        relay = await relays(
            relay_settings(webhook_timeout_s=20, relay_lease_s=60, relay_shutdown_grace_s=0.1)
        )
        await eventually(lambda: len(receiver.received) == 1)
        await relay.stop()
    finally:
        never.set()
        await receiver.stop()
    async with db.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT status, leased_until, attempt_count FROM webhook_deliveries")
            )
        ).one()
    assert tuple(row) == ("pending", None, 0)
    assert endpoint.endpoint.enabled


async def test_a_commit_wakes_the_relay_through_listen_notify(
    platform: Platform, relays: RelayStarter, receiver: Receiver
) -> None:
    await subscribe(platform, receiver.url)
    relay = await relays(relay_settings(relay_poll_s=60))
    assert relay.listener is not None
    await asyncio.wait_for(relay.listener.listening.wait(), 10)
    await asyncio.sleep(0.2)  # let the pass that follows connecting finish
    await emit(platform)  # with a 60 s poll, only the NOTIFY can bring this one quickly
    await eventually(lambda: len(receiver.received) == 1)


async def test_410_gone_disables_the_endpoint_with_an_event(
    platform: Platform, relays: RelayStarter, db: AsyncEngine
) -> None:
    answers = iter([Reply(500), Reply(410)])
    receiver = await Receiver(lambda _: next(answers)).start()
    try:
        endpoint = await subscribe(platform, receiver.url)
        await emit(platform)
        await relays()
        await eventually(attempted_once(platform, endpoint.endpoint.id))  # 500: waits 5 s
        await emit(platform)
        await eventually(all_are(DeliveryStatus.FAILED, 2, platform, endpoint.endpoint.id))
    finally:
        await receiver.stop()
    assert len(receiver.received) == 2
    disabled = await in_transaction(platform.uow(), webhooks.get_endpoint, endpoint.endpoint.id)
    assert not disabled.enabled
    assert disabled.disabled_reason == "the receiver answered 410 Gone"
    errors = sorted(d.last_error or "" for d in await deliveries_of(platform, disabled.id))
    assert errors == ["HTTP 410 Gone", "endpoint disabled: the receiver answered 410 Gone"]
    async with db.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT subject, data FROM outbox_events"
                    " WHERE type = 'webhook_endpoint.disabled'"
                )
            )
        ).all()
    assert [r.subject for r in rows] == [f"webhook-endpoints/{disabled.id}"]
    assert rows[0].data["reason"] == "the receiver answered 410 Gone"
    assert "secret" not in rows[0].data["object"]


async def test_an_endpoint_failing_everything_for_the_limit_is_disabled(
    platform: Platform, clock: FixedClock, relays: RelayStarter
) -> None:
    receiver = await Receiver(lambda _: Reply(500)).start()
    try:
        endpoint = await subscribe(platform, receiver.url)
        await emit(platform)
        await relays(relay_settings(webhook_disable_after_h=2, webhook_retry_schedule="3600,3600"))

        async def settled() -> bool:
            # Time moves only while the delivery waits for its next attempt and every
            # attempt sent is recorded, so no outcome is recorded hours after it was sent,
            # however slow the machine is.
            found = await deliveries_of(platform, endpoint.endpoint.id)
            return [
                (d.attempt_count, d.next_attempt_at is not None and d.next_attempt_at > clock.now())
                for d in found
            ] == [(len(receiver.received), True)]

        async def disabled() -> bool:
            found = await in_transaction(
                platform.uow(), webhooks.get_endpoint, endpoint.endpoint.id
            )
            if found.enabled and await settled():
                clock.advance(minutes=30)
            return not found.enabled

        await eventually(disabled)
    finally:
        await receiver.stop()
    found = await in_transaction(platform.uow(), webhooks.get_endpoint, endpoint.endpoint.id)
    assert found.disabled_reason == "every delivery failed for 2 hours"
    assert len(receiver.received) == 3

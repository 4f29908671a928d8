"""The JetStream publisher against a real nats-server: every event, once, in feed order."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from nats.js.errors import NotFoundError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.delivery.metrics import STREAM_LAG, STREAM_PUBLISHED, refresh_stream_lag
from app.adapters.delivery.stream import StreamPublisher, StreamSettings, ensure_stream
from app.services.delivery.ports import DeliveryUnitOfWork
from app.services.delivery.stream import STREAM_NAME, next_to_publish
from app.services.platform import Platform
from app.services.unit_of_work import in_transaction
from tests.integration.conftest import emit
from tests.nats_server import NatsServer, connect, read_stream
from tests.receiver import eventually

PublisherStarter = Callable[..., Awaitable[StreamPublisher]]


async def read_cursor(uow: DeliveryUnitOfWork) -> tuple[int, int] | None:
    return await uow.stream_cursor.get(STREAM_NAME)


@pytest.fixture
async def nats_server() -> AsyncIterator[NatsServer]:
    server = await NatsServer().start()
    yield server
    await server.remove()


@pytest.fixture
async def publishers(
    platform: Platform, db: AsyncEngine, database_url: str
) -> AsyncIterator[PublisherStarter]:
    started: list[StreamPublisher] = []

    async def start(url: str, **overrides: object) -> StreamPublisher:
        settings = StreamSettings(
            **{"nats_url": url, "poll_s": 0.1, "batch_size": 50, "ack_timeout_s": 1.0, **overrides}  # type: ignore[arg-type]
        )
        publisher = StreamPublisher(
            uow=platform.uow,
            engine=db,
            clock=platform.clock,
            settings=settings,
            database_url=database_url,
        )
        await publisher.start()
        started.append(publisher)
        return publisher

    yield start
    for publisher in reversed(started):
        await publisher.stop()


async def test_every_event_reaches_the_stream_once_in_feed_order(
    platform: Platform, nats_server: NatsServer, publishers: PublisherStarter
) -> None:
    before = STREAM_PUBLISHED._value.get()
    events = await emit(platform, 120)
    await publishers(nats_server.url)
    seen = await read_stream(nats_server.url, expected=120)
    assert [m["id"] for m in seen] == [str(e.id) for e in events]
    first = seen[0]
    assert first["subject"] == "huikuan.events.invoice.paid"
    assert first["headers"]["content-type"].startswith("application/cloudevents+json")
    body = json.loads(first["body"])
    assert body["specversion"] == "1.0"
    assert body["id"] == str(events[0].id)
    assert body["data"]["object"] == {"number": 0}
    # counted once the cursor has moved past them, just after the acks
    await eventually(lambda: STREAM_PUBLISHED._value.get() - before == 120)

    more = await emit(platform, 5, "invoice.overdue")
    seen = await read_stream(nats_server.url, expected=125)
    assert [m["id"] for m in seen[120:]] == [str(e.id) for e in more]
    assert seen[-1]["subject"] == "huikuan.events.invoice.overdue"


async def test_the_stream_is_created_with_a_duplicate_window_and_retention(
    nats_server: NatsServer, publishers: PublisherStarter
) -> None:
    await publishers(nats_server.url, max_age_days=7.0, duplicate_window_s=180.0)
    nc = await connect(nats_server.url)
    try:
        js = nc.jetstream()

        async def created() -> bool:
            try:
                await js.stream_info(STREAM_NAME)
            except NotFoundError:
                return False
            return True

        await eventually(created)
        config = (await js.stream_info(STREAM_NAME)).config
        assert config.subjects == ["huikuan.events.>"]
        assert config.duplicate_window == 180.0
        assert config.max_age == 7 * 86_400.0
    finally:
        await nc.close()


async def test_a_crash_between_ack_and_cursor_republishes_and_jetstream_drops_the_copies(
    platform: Platform, db: AsyncEngine, nats_server: NatsServer, publishers: PublisherStarter
) -> None:
    events = await emit(platform, 30)
    # A publisher that got JetStream's acks for 20 events and died before moving the cursor.
    crashed = StreamPublisher(
        uow=platform.uow,
        engine=db,
        clock=platform.clock,
        settings=StreamSettings(nats_url=nats_server.url),
    )
    nc = await connect(nats_server.url)
    try:
        js = nc.jetstream()
        await ensure_stream(js, crashed.settings)
        batch = await in_transaction(platform.uow(), next_to_publish, 20)
        for item in batch.events:
            await crashed.publish_one(js, item.event)
    finally:
        await nc.close()
    assert await in_transaction(platform.uow(), read_cursor) is None
    await publishers(nats_server.url)
    seen = await read_stream(nats_server.url, expected=30)
    assert [m["id"] for m in seen] == [str(e.id) for e in events]
    assert [m["seq"] for m in seen] == list(range(1, 31))  # no copy was stored


async def test_nats_down_loses_nothing_and_publishes_in_order_when_back(
    platform: Platform,
    db: AsyncEngine,
    nats_server: NatsServer,
    publishers: PublisherStarter,
) -> None:
    early = await emit(platform, 10)
    publisher = await publishers(nats_server.url)
    await read_stream(nats_server.url, expected=10)
    await nats_server.kill()
    late = await emit(platform, 40)
    await asyncio.sleep(1.2)
    await refresh_stream_lag(platform.uow())
    assert STREAM_LAG._value.get() >= 1.0  # they wait, and the lag shows it
    await nats_server.start()
    seen = await read_stream(nats_server.url, expected=50, timeout=30)
    assert [m["id"] for m in seen] == [str(e.id) for e in early + late]
    await eventually(lambda: publisher.leading.is_set())

    async def caught_up() -> bool:
        await refresh_stream_lag(platform.uow())
        return bool(STREAM_LAG._value.get() == 0.0)

    await eventually(caught_up)


async def test_one_publisher_leads_and_another_takes_over_when_it_stops(
    platform: Platform, nats_server: NatsServer, publishers: PublisherStarter
) -> None:
    first = await publishers(nats_server.url)
    await eventually(lambda: first.leading.is_set())
    second = await publishers(nats_server.url)
    events = await emit(platform, 20)
    await read_stream(nats_server.url, expected=20)
    assert not second.leading.is_set()
    await first.stop()
    await eventually(lambda: second.leading.is_set())
    more = await emit(platform, 20)
    seen = await read_stream(nats_server.url, expected=40)
    assert [m["id"] for m in seen] == [str(e.id) for e in events + more]


async def test_a_publisher_started_while_nats_is_down_waits_and_stops_when_asked(
    platform: Platform, publishers: PublisherStarter
) -> None:
    server = NatsServer()  # its port is chosen, nothing listens yet
    try:
        publisher = await publishers(server.url)
        events = await emit(platform, 5)
        await asyncio.sleep(0.5)
        await server.start()
        seen = await read_stream(server.url, expected=5)
        assert [m["id"] for m in seen] == [str(e.id) for e in events]
        await server.kill()
        started = asyncio.get_running_loop().time()
        await publisher.stop(grace_s=1.0)
        assert asyncio.get_running_loop().time() - started < 5
        assert publisher.task is not None
        assert publisher.task.done()
    finally:
        await server.remove()

"""The outbox-cleanup job: old finished work goes, in small batches; waiting work stays."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.domain.delivery.delivery import DeliveryStatus
from app.services.delivery.outbox import cleanup_outbox
from app.services.platform import Platform
from tests.fakes import FixedClock
from tests.integration.conftest import RelayStarter, emit, subscribe
from tests.integration.helpers import all_are
from tests.receiver import Receiver, eventually


async def count(db: AsyncEngine, table: str) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def test_cleanup_removes_old_delivered_work_in_batches(
    platform: Platform, clock: FixedClock, relays: RelayStarter, receiver: Receiver, db: AsyncEngine
) -> None:
    endpoint = await subscribe(platform, receiver.url)
    await emit(platform, 5)
    relay = await relays()
    await eventually(all_are(DeliveryStatus.DELIVERED, 5, platform, endpoint.endpoint.id))
    await relay.stop()

    clock.advance(days=29)
    await emit(platform, 2)  # not fanned out (the relay is stopped): kept whatever its age
    kept = await cleanup_outbox(platform.uow(), clock, retention_days=30, batch_size=2)
    assert (kept.deliveries_deleted, kept.events_deleted) == (0, 0)

    clock.advance(days=2)
    done = await cleanup_outbox(platform.uow(), clock, retention_days=30, batch_size=2)
    assert (done.deliveries_deleted, done.events_deleted) == (5, 5)
    assert await count(db, "webhook_deliveries") == 0
    assert await count(db, "outbox_events") == 2


async def test_cleanup_keeps_events_whose_deliveries_still_wait(
    platform: Platform, clock: FixedClock, relays: RelayStarter, db: AsyncEngine
) -> None:
    await subscribe(platform, "http://127.0.0.1:9/nothing-listens")
    await emit(platform)
    await relays()

    async def fanned_out() -> bool:
        return await count(db, "webhook_deliveries") == 1

    await eventually(fanned_out)
    clock.advance(days=60)
    done = await cleanup_outbox(platform.uow(), clock, retention_days=30)
    assert (done.deliveries_deleted, done.events_deleted) == (0, 0)


async def test_cleanup_keeps_events_the_stream_has_not_published(
    platform: Platform, clock: FixedClock, db: AsyncEngine
) -> None:
    events = await emit(platform, 3)
    async with db.begin() as conn:  # the relay fanned them out; the stream published one
        await conn.execute(text("DELETE FROM outbox_pending"))
        await conn.execute(
            text(
                "INSERT INTO stream_cursors (stream, xid, position, updated_at) "
                "SELECT 'HUIKUAN_EVENTS', xid, position, now() FROM outbox_events WHERE id = :id"
            ),
            {"id": events[0].id},
        )
    clock.advance(days=60)
    done = await cleanup_outbox(platform.uow(), clock, retention_days=30)
    assert done.events_deleted == 1
    assert await count(db, "outbox_events") == 2

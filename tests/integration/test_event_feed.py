"""The event feed on PostgreSQL: transactions that commit out of id order are never skipped."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.adapters.db.delivery.models import outbox_events
from app.services.delivery.feed import read_event_feed
from app.services.platform import Platform
from app.services.unit_of_work import in_transaction
from tests.integration.conftest import emit
from tests.receiver import eventually


def event_row(number: int) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "type": "invoice.paid",
        "source": "/huikuan",
        "subject": f"invoices/{number}",
        "time": datetime(2026, 11, 27, tzinfo=UTC),
        "data": {"number": number},
    }


class FeedReader:
    """A consumer that polls with the cursor it was given last."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.cursor: str | None = None
        self.seen: list[str] = []

    async def poll(self) -> list[str]:
        page = await in_transaction(
            self.platform.uow(), read_event_feed, after=self.cursor, limit=3
        )
        new = [str(e.id) for e in page.events]
        self.cursor = page.next_cursor
        self.seen.extend(new)
        return new

    async def drain(self) -> None:
        while await self.poll():
            pass

    async def until_seen(self, count: int) -> None:
        """Poll until ``count`` events came. Transaction ids are cluster-wide, so another
        database's open transaction on the same server may hold the feed back a moment."""

        async def enough() -> bool:
            await self.drain()
            return len(self.seen) >= count

        await eventually(enough)


async def test_a_late_commit_with_an_earlier_position_is_not_skipped(
    platform: Platform, db: AsyncEngine
) -> None:
    reader = FeedReader(platform)
    slow: AsyncConnection = await db.connect()
    fast: AsyncConnection = await db.connect()
    try:
        await slow.begin()
        await fast.begin()
        early, late = event_row(1), event_row(2)
        await slow.execute(insert(outbox_events).values(early))  # position 1
        await fast.execute(insert(outbox_events).values(late))  # position 2
        await fast.commit()
        assert await reader.poll() == []  # the slow transaction may still commit below
        await slow.commit()
        await reader.until_seen(2)
    finally:
        await slow.close()
        await fast.close()
    assert reader.seen == [str(early["id"]), str(late["id"])]


async def test_every_event_once_whatever_the_commit_order(
    platform: Platform, db: AsyncEngine
) -> None:
    rng = random.Random(5)
    reader = FeedReader(platform)
    await emit(platform, 4)  # some history before
    connections = [await db.connect() for _ in range(12)]
    try:
        for conn in connections:
            await conn.begin()
        # Transaction ids are taken in one order, rows are written in another...
        for conn in rng.sample(connections, len(connections)):
            await conn.execute(text("SELECT pg_current_xact_id()"))
        written: list[str] = []
        for number, conn in enumerate(rng.sample(connections, len(connections))):
            row = event_row(number)
            await conn.execute(insert(outbox_events).values(row))
            written.append(str(row["id"]))
        # ...and they commit in a third, while the consumer keeps polling.
        for conn in rng.sample(connections, len(connections)):
            await conn.commit()
            await reader.drain()
    finally:
        for conn in connections:
            await conn.close()
    await reader.until_seen(16)
    await reader.drain()
    assert len(reader.seen) == len(set(reader.seen)) == 16
    assert set(written) <= set(reader.seen)


async def test_filters_and_an_empty_page_keep_the_cursor(platform: Platform) -> None:
    await emit(platform, 2, "invoice.paid")
    [payment] = await emit(platform, 1, "payment.received")

    async def visible() -> bool:
        page = await in_transaction(
            platform.uow(), read_event_feed, after=None, event_type="payment.received"
        )
        return len(page.events) == 1

    await eventually(visible)
    page = await in_transaction(
        platform.uow(), read_event_feed, after=None, event_type="payment.received"
    )
    assert [e.id for e in page.events] == [payment.id]
    assert page.next_cursor is not None
    again = await in_transaction(platform.uow(), read_event_feed, after=page.next_cursor)
    assert again.events == []
    assert again.next_cursor == page.next_cursor
    by_subject = await in_transaction(
        platform.uow(), read_event_feed, after=None, subject="invoices/1"
    )
    assert [e.subject for e in by_subject.events] == ["invoices/1"]

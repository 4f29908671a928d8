"""The event stream's use cases: what to publish next, and moving the cursor past it.

The stream reads the outbox exactly as the event feed does ((xid, position) order, only
below the commit horizon), so it never skips an event committed late. The cursor moves
only after JetStream acknowledged every event up to it; a crash between the two publishes
those events again, and JetStream drops the copies by their ``Nats-Msg-Id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.services.context import Clock
from app.services.delivery.ports import DeliveryUnitOfWork, FeedEvent

STREAM_NAME = "HUIKUAN_EVENTS"
SUBJECT_PREFIX = "huikuan.events."


def stream_subject(event_type: str) -> str:
    """``huikuan.events.invoice.overdue``: consumers filter with subject wildcards."""
    return SUBJECT_PREFIX + event_type


@dataclass(frozen=True, slots=True)
class StreamBatch:
    """Events to publish, in order, and the cursor they follow (None: from the start)."""

    after: tuple[int, int] | None
    events: Sequence[FeedEvent]

    def cursor_after(self, count: int) -> tuple[int, int]:
        """The cursor once the first ``count`` events are acknowledged."""
        last = self.events[count - 1]
        return (last.xid, last.position)


async def next_to_publish(uow: DeliveryUnitOfWork, limit: int) -> StreamBatch:
    """The events after the stored cursor."""
    after = await uow.stream_cursor.get(STREAM_NAME)
    return await events_after(uow, after, limit)


async def events_after(
    uow: DeliveryUnitOfWork, after: tuple[int, int] | None, limit: int
) -> StreamBatch:
    """The events after ``after`` (the publisher reads the next batch while it publishes
    one: after that batch's end, which the cursor will be once it is acknowledged)."""
    events = await uow.outbox.read_feed(after=after, event_type=None, subject=None, limit=limit)
    return StreamBatch(after, events)


async def mark_published(
    uow: DeliveryUnitOfWork, clock: Clock, batch: StreamBatch, count: int
) -> bool:
    """Move the cursor past the first ``count`` events of ``batch``; False when another
    publisher moved it meanwhile (this one lost its lock)."""
    return await uow.stream_cursor.advance(
        STREAM_NAME, batch.after, batch.cursor_after(count), clock.now()
    )


async def stream_lag_seconds(uow: DeliveryUnitOfWork) -> float:
    return await uow.stream_cursor.lag_seconds(STREAM_NAME)

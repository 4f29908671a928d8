"""The event feed: every outbox event, in an order that no late commit can slip behind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.errors import ValidationFailed
from app.domain.events import OutboxEvent
from app.services.delivery.ports import DeliveryUnitOfWork
from app.services.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor


@dataclass(frozen=True, slots=True)
class FeedPage:
    events: Sequence[OutboxEvent]
    next_cursor: str | None


def _feed_position(cursor: str) -> tuple[int, int]:
    key = decode_cursor(cursor)
    if len(key) != 2 or not all(isinstance(k, int) and k >= 0 for k in key):
        raise ValidationFailed("cursor is not one this service issued", ("query", "after"))
    return int(key[0]), int(key[1])


async def read_event_feed(
    uow: DeliveryUnitOfWork,
    *,
    after: str | None,
    event_type: str | None = None,
    subject: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> FeedPage:
    """Events after the cursor, oldest first, at most ``limit``.

    The feed never ends: ``next_cursor`` is where to ask next time, also when nothing new
    was there (then it is the cursor given), so a consumer keeps polling with it.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be within 1..{MAX_LIMIT}", ("query", "limit"))
    position = _feed_position(after) if after else None
    rows = await uow.outbox.read_feed(
        after=position, event_type=event_type, subject=subject, limit=limit
    )
    if not rows:
        return FeedPage(events=[], next_cursor=after)
    last = rows[-1]
    return FeedPage(
        events=[r.event for r in rows], next_cursor=encode_cursor((last.xid, last.position))
    )

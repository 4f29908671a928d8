"""The outbox as the event feed reads it, and its retention.

Feed order is (xid, position): the writing transaction's id, then the row's sequence
number. Only rows whose transaction is older than the oldest one still running
(``pg_snapshot_xmin``) are read. A transaction still in progress has an xid at or above
that horizon, and any transaction that starts later gets a larger xid still, so every row
that can ever appear below the horizon is already visible: a cursor at (xid, position)
never has a later commit land behind it. Id or position order alone would skip rows that a
slower transaction commits after a faster one with a higher position was read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB

from app.adapters.db.connection import Executor
from app.adapters.db.delivery.models import outbox_events
from app.adapters.db.metadata import column_list, columns_of
from app.domain.events import OutboxEvent
from app.services.delivery.ports import FeedEvent

# Everything the feed shows of an event, and its cursor (xid, position).
FEED_COLUMNS = column_list(columns_of(outbox_events, without=("created_at",)))

DELETE_DISPATCHED = text("""
DELETE FROM outbox_events WHERE position IN (
    SELECT o.position FROM outbox_events o
    WHERE o.time < :cutoff
      AND NOT EXISTS (SELECT 1 FROM outbox_pending p WHERE p.position = o.position)
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = o.id)
      -- the JetStream publisher has not got this far yet (NATS down): it waits too
      AND NOT EXISTS (
          SELECT 1 FROM stream_cursors c WHERE (o.xid, o.position) > (c.xid, c.position)
      )
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
""")


class SqlOutboxRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def read_feed(
        self,
        *,
        after: tuple[int, int] | None,
        event_type: str | None,
        subject: str | None,
        limit: int,
    ) -> Sequence[FeedEvent]:
        conditions = ["xid < pg_snapshot_xmin(pg_current_snapshot())"]
        params: dict[str, Any] = {"limit": limit}
        if after is not None:
            conditions.append("(xid, position) > (CAST(:xid AS xid8), :position)")
            params.update(xid=after[0], position=after[1])
        if event_type is not None:
            conditions.append("type = :type")
            params["type"] = event_type
        if subject is not None:
            conditions.append("subject = :subject")
            params["subject"] = subject
        query = text(
            f"SELECT {FEED_COLUMNS} FROM outbox_events "
            f"WHERE {' AND '.join(conditions)} ORDER BY xid, position LIMIT :limit"
        ).columns(data=JSONB)
        rows = (await self.conn.execute(query, params)).mappings().all()
        return [
            FeedEvent(
                event=OutboxEvent(
                    id=r["id"],
                    type=r["type"],
                    source=r["source"],
                    subject=r["subject"],
                    time=r["time"],
                    data=r["data"],
                ),
                xid=int(r["xid"]),
                position=r["position"],
            )
            for r in rows
        ]

    async def delete_dispatched_before(self, cutoff: datetime, limit: int) -> int:
        params = {"cutoff": cutoff, "limit": limit}
        return int((await self.conn.execute(DELETE_DISPATCHED, params)).rowcount)

"""The stream publisher's cursor: the last (xid, position) JetStream acknowledged.

``advance`` is a compare-and-set on the cursor it started from, so a publisher that lost
its lock without noticing cannot move the cursor under the one that holds it now.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from app.adapters.db.connection import Executor

_GET = text("SELECT xid, position FROM stream_cursors WHERE stream = :stream")

_CREATE = text("""
INSERT INTO stream_cursors (stream, xid, position, updated_at)
VALUES (:stream, CAST(:xid AS xid8), :position, :at)
ON CONFLICT (stream) DO NOTHING
RETURNING 1
""")

_ADVANCE = text("""
UPDATE stream_cursors SET xid = CAST(:xid AS xid8), position = :position, updated_at = :at
WHERE stream = :stream AND xid = CAST(:from_xid AS xid8) AND position = :from_position
RETURNING 1
""")

# How long the oldest event after the cursor has waited (committed or not yet final).
_LAG = text("""
WITH cursor AS (
    SELECT xid, position FROM stream_cursors WHERE stream = :stream
    UNION ALL SELECT CAST('0' AS xid8), 0
    ORDER BY 2 DESC, 1 DESC LIMIT 1
)
SELECT EXTRACT(EPOCH FROM clock_timestamp() - o.created_at)
FROM outbox_events AS o, cursor AS c
WHERE (o.xid, o.position) > (c.xid, c.position)
ORDER BY o.xid, o.position
LIMIT 1
""")


class SqlStreamCursor:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def get(self, stream: str) -> tuple[int, int] | None:
        row = (await self.conn.execute(_GET, {"stream": stream})).first()
        return None if row is None else (int(row.xid), int(row.position))

    async def advance(
        self, stream: str, start: tuple[int, int] | None, to: tuple[int, int], at: datetime
    ) -> bool:
        params = {"stream": stream, "xid": to[0], "position": to[1], "at": at}
        if start is None:
            return (await self.conn.execute(_CREATE, params)).first() is not None
        params.update(from_xid=start[0], from_position=start[1])
        return (await self.conn.execute(_ADVANCE, params)).first() is not None

    async def lag_seconds(self, stream: str) -> float:
        value = (await self.conn.execute(_LAG, {"stream": stream})).scalar()
        return 0.0 if value is None else max(float(value), 0.0)

"""Retention of ``idempotency_keys`` in PostgreSQL, for the ``idempotency-cleanup`` job.

Claims and webhook-ids each have a partial index on ``created_at`` (migration 0011), so a
batch is a range scan that reads only rows it deletes, whatever the other kind holds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text

from app.adapters.db.access.models import CLAIM_SCOPE_SQL, MESSAGE_SCOPE_SQL
from app.adapters.db.connection import Executor

# Claims use the service's clock (it stamped created_at and lease_until); a claim whose
# lease still runs is kept, whatever its age.
DELETE_CLAIMS = text(f"""
DELETE FROM idempotency_keys WHERE (scope, key) IN (
    SELECT scope, key FROM idempotency_keys
    WHERE {CLAIM_SCOPE_SQL} AND created_at < :cutoff AND lease_until <= :now
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
""")

# Webhook-ids use the database's clock: now() remembered them and judges replays.
DELETE_MESSAGES = text(f"""
DELETE FROM idempotency_keys WHERE (scope, key) IN (
    SELECT scope, key FROM idempotency_keys
    WHERE {MESSAGE_SCOPE_SQL} AND created_at < now() - CAST(:age AS interval)
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
""")


class SqlIdempotencyKeyRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def delete_claims_before(self, cutoff: datetime, now: datetime, limit: int) -> int:
        params = {"cutoff": cutoff, "now": now, "limit": limit}
        return int((await self.conn.execute(DELETE_CLAIMS, params)).rowcount)

    async def delete_messages_older_than(self, age: timedelta, limit: int) -> int:
        params = {"age": age, "limit": limit}
        return int((await self.conn.execute(DELETE_MESSAGES, params)).rowcount)

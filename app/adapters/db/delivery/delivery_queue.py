"""The relay's set-based SQL: fan-out, claims with SKIP LOCKED, outcomes, retention.

Leases use the database's clock (``now()``): they keep two relays from sending one
delivery at once, which is a matter of real elapsed time. Due times (``next_attempt_at``)
use the service's clock, passed in as ``:now``, so that a test clock moves them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import RowMapping

from app.adapters.db.connection import Executor
from app.adapters.db.delivery.webhook_deliveries import attempt_json
from app.domain.delivery.chat import CHAT_EVENT_TYPES, EndpointFormat
from app.domain.delivery.webhooks import signing_secrets
from app.domain.events import OutboxEvent
from app.services.delivery.ports import AttemptRecord, Backlog, DeliveryJob

# One delivery per (new event, enabled endpoint subscribed to its type; a chat robot only
# for the chat types); the events leave the pending queue in the same statement. Mirrors
# WebhookEndpoint.subscribes_to. The claimed positions are an array (an InitPlan run
# once): as `IN (subquery)` the planner, believing the queue empty, re-ran the locking
# subquery per row, quadratic in the batch (1,000 events: 0.3 to 0.5 s of the database).
FAN_OUT = text("""
WITH batch AS (
    DELETE FROM outbox_pending WHERE position = ANY(ARRAY(
        SELECT position FROM outbox_pending
        ORDER BY position
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    ))
    RETURNING position
), fanned AS (
    INSERT INTO webhook_deliveries
        (endpoint_id, event_id, event_type, status, allowed_attempts, next_attempt_at,
         created_at, updated_at)
    SELECT e.id, o.id, o.type, 'pending', :allowed, :now, :now, :now
    FROM batch b
    JOIN outbox_events o ON o.position = b.position
    JOIN webhook_endpoints e
      ON e.enabled AND ('*' = ANY(e.event_types) OR o.type = ANY(e.event_types))
     AND (e.format = 'cloudevents' OR o.type = ANY(CAST(:chat_types AS text[])))
    ORDER BY o.position, e.id
    ON CONFLICT (event_id, endpoint_id) DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM batch) AS events, (SELECT count(*) FROM fanned) AS deliveries
""")

# Each enabled endpoint (in random order, for fairness) offers its oldest due deliveries,
# at most :per_endpoint minus what this relay already sends to it; rows another relay
# holds are skipped, not waited for.
CLAIM = text("""
WITH busy AS (
    SELECT * FROM unnest(CAST(:busy_ids AS uuid[]), CAST(:busy_counts AS int[]))
        AS b(endpoint_id, in_flight)
), picked AS (
    SELECT due.id
    FROM (SELECT id FROM webhook_endpoints WHERE enabled ORDER BY random()) e
    LEFT JOIN busy ON busy.endpoint_id = e.id
    CROSS JOIN LATERAL (
        SELECT d.id FROM webhook_deliveries d
        WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= :now
          AND (d.leased_until IS NULL OR d.leased_until < now())
        ORDER BY d.next_attempt_at
        LIMIT GREATEST(:per_endpoint - COALESCE(busy.in_flight, 0), 0)
        FOR UPDATE OF d SKIP LOCKED
    ) due
    LIMIT :limit
)
UPDATE webhook_deliveries d
SET leased_until = now() + CAST(:lease AS interval), lease_token = :token
FROM picked, webhook_endpoints e, outbox_events o
WHERE d.id = picked.id AND e.id = d.endpoint_id AND o.id = d.event_id
RETURNING d.id, d.endpoint_id, d.attempt_count, d.allowed_attempts, e.url, e.secret,
          e.previous_secret, e.previous_secret_expires_at,
          e.failing_since IS NOT NULL AS endpoint_failing, e.format,
          o.id AS event_id, o.type, o.source, o.subject, o.time, o.data
""").columns(data=JSONB)

# Written only while the lease is ours and the delivery still waits: an attempt whose
# lease expired (another relay took over) or whose endpoint was disabled is dropped.
RECORD = text("""
WITH outcome AS (
    SELECT * FROM unnest(
        CAST(:ids AS uuid[]), CAST(:tokens AS uuid[]), CAST(:numbers AS int[]),
        CAST(:statuses AS text[]), CAST(:next_attempts AS timestamptz[]),
        CAST(:delivered AS timestamptz[]), CAST(:codes AS int[]), CAST(:errors AS text[]),
        CAST(:attempts AS text[])
    ) AS o(id, token, number, status, next_attempt_at, delivered_at, status_code, error, attempt)
)
UPDATE webhook_deliveries d
SET status = o.status,
    attempt_count = o.number,
    next_attempt_at = o.next_attempt_at,
    delivered_at = COALESCE(o.delivered_at, d.delivered_at),
    last_status_code = o.status_code,
    last_error = o.error,
    attempts = d.attempts || jsonb_build_array(CAST(o.attempt AS jsonb)),
    leased_until = NULL,
    lease_token = NULL,
    updated_at = :now
FROM outcome o
WHERE d.id = o.id AND d.lease_token = o.token AND d.status = 'pending'
RETURNING d.id
""")

RELEASE = text("""
UPDATE webhook_deliveries SET leased_until = NULL, lease_token = NULL
WHERE lease_token = ANY(CAST(:tokens AS uuid[])) AND status = 'pending'
""")

BACKLOG = text("""
WITH undispatched AS (
    SELECT count(*) AS n, min(o.time) AS oldest
    FROM outbox_pending p JOIN outbox_events o ON o.position = p.position
), due AS (
    SELECT count(*) AS n, min(d.next_attempt_at) AS oldest
    FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
    WHERE d.status = 'pending' AND d.next_attempt_at <= :now
)
SELECT undispatched.n + due.n AS pending, LEAST(undispatched.oldest, due.oldest) AS oldest
FROM undispatched, due
""")

DELETE_FINISHED = text("""
DELETE FROM webhook_deliveries WHERE id IN (
    SELECT id FROM webhook_deliveries
    WHERE created_at < :cutoff AND updated_at < :cutoff AND status <> 'pending'
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
""")


def job_from_row(row: RowMapping, token: UUID, now: datetime) -> DeliveryJob:
    event = OutboxEvent(
        id=row["event_id"],
        type=row["type"],
        source=row["source"],
        subject=row["subject"],
        time=row["time"],
        data=row["data"],
    )
    return DeliveryJob(
        delivery_id=row["id"],
        lease_token=token,
        endpoint_id=row["endpoint_id"],
        url=row["url"],
        event=event,
        attempt=row["attempt_count"] + 1,
        allowed_attempts=row["allowed_attempts"],
        secrets=signing_secrets(
            row["secret"], row["previous_secret"], row["previous_secret_expires_at"], now
        ),
        endpoint_failing=row["endpoint_failing"],
        format=EndpointFormat(row["format"]),
    )


class SqlDeliveryQueue:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def fan_out_events(self, limit: int, allowed_attempts: int, now: datetime) -> int:
        params = {
            "limit": limit,
            "allowed": allowed_attempts,
            "now": now,
            "chat_types": sorted(CHAT_EVENT_TYPES),
        }
        row = (await self.conn.execute(FAN_OUT, params)).one()
        return int(row.events)

    async def claim_due_deliveries(
        self,
        limit: int,
        *,
        per_endpoint: int,
        busy: Mapping[UUID, int],
        lease: timedelta,
        now: datetime,
    ) -> Sequence[DeliveryJob]:
        token = uuid.uuid4()
        params = {
            "busy_ids": list(busy),
            "busy_counts": list(busy.values()),
            "per_endpoint": per_endpoint,
            "limit": limit,
            "lease": lease,
            "token": token,
            "now": now,
        }
        rows = (await self.conn.execute(CLAIM, params)).mappings().all()
        return [job_from_row(r, token, now) for r in rows]

    async def record_attempts(self, records: Sequence[AttemptRecord]) -> set[UUID]:
        if not records:
            return set()
        params = {
            "ids": [r.delivery_id for r in records],
            "tokens": [r.lease_token for r in records],
            "numbers": [r.attempt.number for r in records],
            "statuses": [r.status.value for r in records],
            "next_attempts": [r.next_attempt_at for r in records],
            "delivered": [r.delivered_at for r in records],
            "codes": [r.attempt.status_code for r in records],
            "errors": [r.attempt.error for r in records],
            "attempts": [json.dumps(attempt_json(r.attempt)) for r in records],
            "now": max(r.attempt.at for r in records),
        }
        rows = (await self.conn.execute(RECORD, params)).scalars().all()
        return set(rows)

    async def release_claims(self, tokens: Sequence[UUID]) -> int:
        return int((await self.conn.execute(RELEASE, {"tokens": list(tokens)})).rowcount)

    async def backlog(self, now: datetime) -> Backlog:
        row = (await self.conn.execute(BACKLOG, {"now": now})).one()
        return Backlog(pending=int(row.pending), oldest=row.oldest)

    async def delete_finished_before(self, cutoff: datetime, limit: int) -> int:
        params = {"cutoff": cutoff, "limit": limit}
        return int((await self.conn.execute(DELETE_FINISHED, params)).rowcount)

"""Inbound events in PostgreSQL: one set-based statement per step of a batch.

Writes use ``unnest`` of arrays, so one prepared statement serves any batch size.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import RowMapping

from app.adapters.db.connection import Executor
from app.adapters.db.engine import dumps
from app.adapters.db.intake.models import ingest_events
from app.domain.intake.ingest import IngestRecord, IngestStatus, RecordKey, RecordKind
from app.services.intake.ports import IngestFilter, Registered, Settlement
from app.services.pagination import PageRequest

# Registers new events and, in the same round trip, finds the parked events that wait for
# the records these events are about (they may create them).
_REGISTER = """
WITH inserted AS (
    INSERT INTO ingest_events (id, source, event_id, type, subject, occurred_at, received_at,
                               status, payload, problem, sent_by, sent_by_user, applied_at)
    SELECT id, source, event_id, type, subject, occurred_at, received_at,
           status, payload, problem, sent_by, sent_by_user, applied_at
    FROM json_populate_recordset(NULL::ingest_events, $1::json)
    ON CONFLICT (source, event_id) DO NOTHING
    RETURNING id
)
SELECT id, NULL::text[] AS waits_for FROM inserted
UNION ALL
SELECT id, waits_for FROM ingest_events
WHERE status = 'parked' AND waits_for && $2::text[]
"""
# The records travel as one JSON array (one orjson call for the batch, documents nested):
# cheaper for the service than thirteen arrays of values bound one by one.

# SKIP LOCKED: a parked event another transaction is applying right now is theirs.
_CLAIM = text(
    """
    WITH claimed AS (
        SELECT id FROM ingest_events
        WHERE id = ANY(CAST(:ids AS uuid[])) AND status = 'parked'
        ORDER BY id FOR UPDATE SKIP LOCKED
    )
    UPDATE ingest_events AS e SET status = 'applied', applied_at = :at, waits_for = '{}'
    FROM claimed WHERE e.id = claimed.id
    RETURNING e.id
    """
)

_SETTLE = text(
    """
    UPDATE ingest_events AS e
    SET status = d.status,
        waits_for = ARRAY(SELECT jsonb_array_elements_text(d.waits)),
        problem = d.problem,
        note = d.note,
        applied_at = CASE WHEN d.status = 'applied' THEN e.applied_at END
    FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]), CAST(:waits AS jsonb[]),
                CAST(:problems AS jsonb[]), CAST(:notes AS text[]))
         AS d(id, status, waits, problem, note)
    WHERE e.id = d.id
    """
)

_RESOLVE = text(
    """
    SELECT 'customer' AS kind, external_id, id FROM customers
    WHERE external_id = ANY(CAST(:customer AS text[]))
    UNION ALL SELECT 'contract', external_id, id FROM contracts
    WHERE external_id = ANY(CAST(:contract AS text[]))
    UNION ALL SELECT 'invoice', external_id, id FROM invoices
    WHERE external_id = ANY(CAST(:invoice AS text[]))
    UNION ALL SELECT 'payment', external_id, id FROM payments
    WHERE external_id = ANY(CAST(:payment AS text[]))
    UNION ALL SELECT 'org_unit', code, id FROM org_units WHERE code = ANY(CAST(:org_unit AS text[]))
    UNION ALL SELECT 'project', external_id, id FROM projects
    WHERE external_id = ANY(CAST(:project AS text[]))
    """
)

_LAST_APPLIED = text(
    "SELECT max(occurred_at) FROM ingest_events WHERE subject = :subject "
    "AND status = 'applied' AND NOT id = ANY(CAST(:exclude AS uuid[]))"
)

_WAITING_FOR = text(
    "SELECT id FROM ingest_events WHERE status = 'parked' "
    "AND waits_for && CAST(:keys AS text[]) ORDER BY occurred_at, id"
)

# Parked events none of whose awaited records is still missing ("kind:external_id").
_READY = text(
    """
    SELECT e.id FROM ingest_events AS e
    WHERE e.status = 'parked'
      AND (CAST(:among AS uuid[]) IS NULL OR e.id = ANY(CAST(:among AS uuid[])))
      AND NOT EXISTS (
        SELECT 1 FROM unnest(e.waits_for) AS w(key)
        WHERE NOT CASE split_part(w.key, ':', 1)
            WHEN 'customer' THEN EXISTS (
                SELECT 1 FROM customers WHERE external_id = substr(w.key, 10))
            WHEN 'contract' THEN EXISTS (
                SELECT 1 FROM contracts WHERE external_id = substr(w.key, 10))
            WHEN 'invoice' THEN EXISTS (
                SELECT 1 FROM invoices WHERE external_id = substr(w.key, 9))
            WHEN 'payment' THEN EXISTS (
                SELECT 1 FROM payments WHERE external_id = substr(w.key, 9))
            ELSE false END)
    ORDER BY e.occurred_at, e.id
    LIMIT :limit
    """
)


def _json(value: Any) -> str | None:
    return None if value is None else dumps(value)


def record_from_row(row: RowMapping) -> IngestRecord:
    return IngestRecord(
        id=row["id"],
        source=row["source"],
        event_id=row["event_id"],
        type=row["type"],
        status=IngestStatus(row["status"]),
        received_at=row["received_at"],
        document=row["payload"],
        sent_by=row["sent_by"],
        occurred_at=row["occurred_at"],
        subject=RecordKey.parse(row["subject"]) if row["subject"] else None,
        waits_for=tuple(RecordKey.parse(k) for k in row["waits_for"]),
        problem=row["problem"],
        note=row["note"],
        sent_by_user=row["sent_by_user"],
        applied_at=row["applied_at"],
    )


class SqlIngestRepository:
    def __init__(self, conn: Executor, driver: Any = None) -> None:
        self.conn = conn
        self.driver = driver  # the asyncpg connection, for the hot statements

    async def register(self, records: Sequence[IngestRecord]) -> Registered:
        if not records:
            return Registered(set(), {})
        ordered = sorted(records, key=lambda r: (r.source, r.event_id))  # one lock order
        records_json = dumps(
            [
                {
                    "id": r.id,
                    "source": r.source,
                    "event_id": r.event_id,
                    "type": r.type,
                    "subject": str(r.subject) if r.subject else None,
                    "occurred_at": r.occurred_at,
                    "received_at": r.received_at,
                    "status": r.status.value,
                    "payload": r.document,
                    "problem": r.problem,
                    "sent_by": r.sent_by,
                    "sent_by_user": r.sent_by_user,
                    "applied_at": r.applied_at,
                }
                for r in ordered
            ]
        )
        subjects = sorted({str(r.subject) for r in ordered if r.subject})
        rows = await self.driver.fetch(_REGISTER, records_json, subjects)
        inserted = {id_ for id_, waits in rows if waits is None}
        waiting = {
            id_: tuple(RecordKey.parse(k) for k in waits)
            for id_, waits in rows
            if waits is not None
        }
        return Registered(inserted, waiting)

    async def claim(self, record_ids: Collection[UUID], at: datetime) -> set[UUID]:
        if not record_ids:
            return set()
        result = await self.conn.execute(_CLAIM, {"ids": list(record_ids), "at": at})
        return set(result.scalars())

    async def settle(self, settlements: Sequence[Settlement]) -> None:
        if not settlements:
            return
        params = {
            "ids": [s.record_id for s in settlements],
            "statuses": [s.status.value for s in settlements],
            "waits": [dumps([str(k) for k in s.waits_for]) for s in settlements],
            "problems": [_json(s.problem) for s in settlements],
            "notes": [s.note for s in settlements],
        }
        await self.conn.execute(_SETTLE, params)

    async def resolve(self, keys: Collection[RecordKey]) -> dict[RecordKey, UUID]:
        if not keys:
            return {}
        # People have no id to resolve to: nothing waits for one, put_person finds its own.
        wanted: dict[str, list[str]] = {
            k.value: [] for k in RecordKind if k is not RecordKind.PERSON
        }
        for key in keys:
            if key.kind is not RecordKind.PERSON:
                wanted[key.kind.value].append(key.external_id)
        rows = await self.conn.execute(_RESOLVE, wanted)
        return {RecordKey(RecordKind(kind), ext): id_ for kind, ext, id_ in rows}

    async def last_applied(self, subject: RecordKey, exclude: Collection[UUID]) -> datetime | None:
        params = {"subject": str(subject), "exclude": list(exclude)}
        value: datetime | None = (await self.conn.execute(_LAST_APPLIED, params)).scalar()
        return value

    async def waiting_for(self, keys: Collection[RecordKey]) -> list[UUID]:
        if not keys:
            return []
        params = {"keys": sorted({str(k) for k in keys})}
        return list((await self.conn.execute(_WAITING_FOR, params)).scalars())

    async def ready(self, limit: int, among: Collection[UUID] | None = None) -> list[UUID]:
        params = {"limit": limit, "among": None if among is None else list(among)}
        return list((await self.conn.execute(_READY, params)).scalars())

    async def parked(self, record_ids: Collection[UUID]) -> Sequence[IngestRecord]:
        if not record_ids:
            return []
        query = ingest_events.select().where(
            ingest_events.c.id.in_(list(record_ids)),
            ingest_events.c.status == IngestStatus.PARKED.value,
        )
        return [record_from_row(r) for r in (await self.conn.execute(query)).mappings()]


class SqlIngestQueries:
    """The read side of ingested events: lists (tested on PostgreSQL, not faked)."""

    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def list(self, filters: IngestFilter, page: PageRequest) -> Sequence[IngestRecord]:
        query = ingest_events.select().order_by(ingest_events.c.id).limit(page.fetch)
        if filters.status is not None:
            query = query.where(ingest_events.c.status == filters.status.value)
        if filters.source is not None:
            query = query.where(ingest_events.c.source == filters.source)
        if filters.type is not None:
            query = query.where(ingest_events.c.type == filters.type)
        if filters.event_id is not None:
            query = query.where(ingest_events.c.event_id == filters.event_id)
        if page.after:
            query = query.where(ingest_events.c.id > page.after_uuid())
        return [record_from_row(r) for r in (await self.conn.execute(query)).mappings()]

"""Idempotency-Key claims in PostgreSQL, each in its own short transaction."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.access.models import idempotency_keys as t
from app.adapters.db.errors import translated_errors
from app.domain.access.idempotency import ClaimState, IdempotencyRecord, StoredResponse


def record_from_row(row: RowMapping) -> IdempotencyRecord:
    response = None
    if row["response_status"] is not None:
        response = StoredResponse(
            status=row["response_status"],
            headers=dict(row["response_headers"] or {}),
            body=bytes(row["response_body"] or b""),
        )
    return IdempotencyRecord(
        scope=row["scope"],
        key=row["key"],
        fingerprint=row["fingerprint"],
        state=ClaimState(row["state"]),
        created_at=row["created_at"],
        lease_until=row["lease_until"],
        committed_at=row["committed_at"],
        response=response,
    )


class SqlIdempotencyStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        values = {
            "scope": record.scope,
            "key": record.key,
            "fingerprint": record.fingerprint,
            "state": record.state.value,
            "created_at": record.created_at,
            "lease_until": record.lease_until,
        }
        async with translated_errors(), self.engine.begin() as conn:
            inserted = await conn.execute(
                pg_insert(t).values(values).on_conflict_do_nothing().returning(t.c.key)
            )
            if inserted.first() is not None:
                return None
            row = (
                (
                    await conn.execute(
                        select(t).where(t.c.scope == record.scope, t.c.key == record.key)
                    )
                )
                .mappings()
                .first()
            )
        # The row vanished between the two statements (released): claim again.
        return record_from_row(row) if row else await self.claim(record)

    async def take_over(self, record: IdempotencyRecord, previous: IdempotencyRecord) -> bool:
        statement = (
            update(t)
            .where(
                t.c.scope == record.scope,
                t.c.key == record.key,
                t.c.created_at == previous.created_at,
                t.c.lease_until == previous.lease_until,
            )
            .values(
                fingerprint=record.fingerprint,
                state=record.state.value,
                created_at=record.created_at,
                lease_until=record.lease_until,
                committed_at=None,
                response_status=None,
                response_headers=None,
                response_body=None,
            )
        )
        async with translated_errors(), self.engine.begin() as conn:
            return (await conn.execute(statement)).rowcount == 1

    async def complete(self, scope: str, key: str, response: StoredResponse) -> None:
        async with translated_errors(), self.engine.begin() as conn:
            await conn.execute(
                update(t)
                .where(t.c.scope == scope, t.c.key == key)
                .values(
                    state=ClaimState.COMPLETED.value,
                    response_status=response.status,
                    response_headers=response.headers,
                    response_body=response.body,
                )
            )

    async def release(self, scope: str, key: str) -> None:
        async with translated_errors(), self.engine.begin() as conn:
            await conn.execute(
                delete(t).where(t.c.scope == scope, t.c.key == key, t.c.committed_at.is_(None))
            )

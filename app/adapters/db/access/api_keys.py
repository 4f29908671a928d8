"""API keys in PostgreSQL (hashes only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping

from app.adapters.db.access.models import api_keys
from app.adapters.db.connection import Executor
from app.domain.access.api_keys import ApiKey, Scope
from app.services.pagination import PageRequest


def api_key_from_row(row: RowMapping) -> ApiKey:
    return ApiKey(
        id=row["id"],
        name=row["name"],
        key_hash=row["key_hash"],
        scopes=frozenset(Scope(s) for s in row["scopes"]),
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        fixed_actor=row["fixed_actor"],
    )


def _row(key: ApiKey) -> dict[str, object]:
    return {
        "id": key.id,
        "name": key.name,
        "key_hash": key.key_hash,
        "scopes": sorted(s.value for s in key.scopes),
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
        "fixed_actor": key.fixed_actor,
    }


class SqlApiKeyRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, key: ApiKey) -> None:
        await self.conn.execute(insert(api_keys).values(_row(key)))

    async def add_if_absent(self, key: ApiKey) -> None:
        statement = pg_insert(api_keys).values(_row(key)).on_conflict_do_nothing()
        await self.conn.execute(statement)

    async def get(self, key_id: UUID) -> ApiKey | None:
        row = (
            (await self.conn.execute(select(api_keys).where(api_keys.c.id == key_id)))
            .mappings()
            .first()
        )
        return api_key_from_row(row) if row else None

    async def find_by_hash(self, key_hash: str) -> ApiKey | None:
        query = select(api_keys).where(api_keys.c.key_hash == key_hash)
        row = (await self.conn.execute(query)).mappings().first()
        return api_key_from_row(row) if row else None

    async def revoke(self, key_id: UUID, at: datetime) -> ApiKey | None:
        statement = (
            update(api_keys)
            .where(api_keys.c.id == key_id)
            .values(revoked_at=func.coalesce(api_keys.c.revoked_at, at))
            .returning(*api_keys.c)
        )
        row = (await self.conn.execute(statement)).mappings().first()
        return api_key_from_row(row) if row else None

    async def set_scopes(self, key_id: UUID, scopes: frozenset[Scope]) -> ApiKey:
        statement = (
            update(api_keys)
            .where(api_keys.c.id == key_id)
            .values(scopes=sorted(s.value for s in scopes))
            .returning(*api_keys.c)
        )
        return api_key_from_row((await self.conn.execute(statement)).mappings().one())


class SqlApiKeyQueries:
    """The read side of API keys: lists (tested on PostgreSQL, not faked)."""

    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def list(self, page: PageRequest) -> Sequence[ApiKey]:
        query = select(api_keys).order_by(api_keys.c.id).limit(page.fetch)
        if page.after:
            query = query.where(api_keys.c.id > page.after_uuid())
        return [api_key_from_row(r) for r in (await self.conn.execute(query)).mappings()]

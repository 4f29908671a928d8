"""The dunning policy in PostgreSQL: one row (id 1), versioned."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.adapters.db.collection.models import dunning_policy as table
from app.adapters.db.connection import Executor
from app.domain.collection.dunning import DunningLevel, DunningPolicy
from app.domain.errors import StaleVersion

ROW_ID = 1


class SqlDunningPolicyRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def get(self) -> DunningPolicy | None:
        row = (
            (await self.conn.execute(select(table).where(table.c.id == ROW_ID))).mappings().first()
        )
        if row is None:
            return None
        return DunningPolicy(
            levels=tuple(DunningLevel(**item) for item in row["levels"]),
            version=row["version"],
            updated_at=row["updated_at"],
            updated_by=row["updated_by"],
            updated_by_user=row["updated_by_user"],
        )

    async def save(self, policy: DunningPolicy, expected_version: int) -> None:
        values = {
            "levels": [
                {
                    "level": item.level,
                    "days_overdue": item.days_overdue,
                    "action": item.action,
                    "create_task": item.create_task,
                }
                for item in policy.levels
            ],
            "version": policy.version,
            "updated_at": policy.updated_at,
            "updated_by": policy.updated_by,
            "updated_by_user": policy.updated_by_user,
        }
        statement = (
            pg_insert(table)
            .values(id=ROW_ID, **values)
            .on_conflict_do_update(
                index_elements=[table.c.id],
                set_=values,
                where=table.c.version == expected_version,
            )
            .returning(table.c.version)
        )
        if (await self.conn.execute(statement)).scalar_one_or_none() is None:
            raise StaleVersion("dunning policy", expected_version)

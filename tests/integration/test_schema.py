"""The migrations build exactly the schema that the table models describe (each context's
``models.py``, gathered by ``app/adapters/db/tables.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.tables import metadata


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


@pytest.mark.filterwarnings("ignore:Did not recognize type 'xid8'")
async def test_tables_py_matches_the_migrated_database(db: AsyncEngine) -> None:
    async with db.connect() as conn:
        differences = await conn.run_sync(_differences)
    assert differences == []


async def test_constraint_names_are_the_ones_tables_py_gives(db: AsyncEngine) -> None:
    """Errors are mapped to domain errors by constraint name, so the names must match."""
    expected = {
        (table.name, str(constraint.name))
        for table in metadata.tables.values()
        for constraint in table.constraints
    }
    query = text(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint "
        "WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> "
        "'alembic_version'"
    )
    async with db.connect() as conn:
        actual = {(table, name) for table, name in (await conn.execute(query)).all()}
    assert actual == expected

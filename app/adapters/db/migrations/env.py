"""Alembic environment. Migrations run on a connection handed over by ``migrate.py``,
inside one transaction that holds an advisory lock, so replicas starting together
migrate once."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from app.adapters.db.tables import metadata

config = context.config


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `huikuan migrate` (app/adapters/db/migrate.py)")
run_on(connection)

"""Without a ping on checkout, a lost connection fails its request with 503 (Unavailable),
and the pool starts afresh, so the next request works."""

from __future__ import annotations

from uuid import uuid4

import asyncpg
import pytest
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.engine import create_engine
from app.adapters.db.errors import database_error, lost_connection
from app.adapters.db.scratch import libpq_url
from app.adapters.db.uow import SqlUnitOfWorkFactory
from app.domain.errors import Unavailable
from app.domain.events import Actor
from app.services.customers.customers import NewCustomer, create_customer, list_customers
from app.services.pagination import page_request
from app.services.platform import Platform
from app.services.reactions import REACTIONS
from app.services.unit_of_work import in_transaction


async def kill_other_connections(database_url: str) -> int:
    conn = await asyncpg.connect(libpq_url(database_url))
    try:
        return int(
            await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await conn.close()


async def test_a_restarted_database_costs_one_request_not_the_pool(
    platform: Platform, db: AsyncEngine, database_url: str
) -> None:
    ctx = platform.context(Actor("t"))
    for n in range(3):  # several pooled connections
        await in_transaction(platform.uow(), create_customer, ctx, NewCustomer(f"甲{n}", "CNY"))
    assert await kill_other_connections(database_url) >= 1
    with pytest.raises(Unavailable):
        await in_transaction(
            platform.uow(), list_customers, external_id=None, q=None, page=page_request(10, None)
        )
    for _ in range(3):
        page = await in_transaction(
            platform.uow(), list_customers, external_id=None, q=None, page=page_request(10, None)
        )
        assert len(page.items) == 3
    made = await in_transaction(platform.uow(), create_customer, ctx, NewCustomer("乙", "CNY"))
    assert made.name == "乙"


async def test_a_database_with_no_connection_free_is_503_not_500(
    db: AsyncEngine, database_url: str
) -> None:
    # "too many clients" (SQLSTATE 53300) refuses the connection: the request may be
    # retried, and the pool stays (its connections are fine; the server is full).
    role = f"huikuan_full_{uuid4().hex[:8]}"
    admin = await asyncpg.connect(libpq_url(database_url))
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")
        full = create_engine(make_url(database_url).set(username=role).render_as_string(False))
        try:
            with pytest.raises(Unavailable):
                await in_transaction(
                    SqlUnitOfWorkFactory(full, REACTIONS)(),
                    list_customers,
                    external_id=None,
                    q=None,
                    page=page_request(10, None),
                )
        finally:
            await full.dispose()
    finally:
        await admin.execute(f"DROP ROLE IF EXISTS {role}")
        await admin.close()


async def test_a_connect_refused_while_the_server_shuts_down_is_503(
    db: AsyncEngine, database_url: str
) -> None:
    # A connect is refused with "the database system is shutting down" (57P03) when it
    # meets a restart; SQLAlchemy wraps that error once only (not in a DBAPIError).
    dbapi = db.dialect.loaded_dbapi
    refused = dbapi.Error("the database system is shutting down")
    refused.__cause__ = asyncpg.exceptions.CannotConnectNowError(
        "the database system is shutting down"
    )
    assert isinstance(database_error(refused), Unavailable)
    assert lost_connection(refused)

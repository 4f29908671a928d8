"""Shared fixtures: one fresh PostgreSQL database per test run, built by the migrations.

The server is TEST_DATABASE_URL when set (CI points it at 127.0.0.1:5432), else an
embedded PostgreSQL in ./.data/test. Each run creates its own database and drops it
at the end; each test starts from empty tables.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.access.idempotency import SqlIdempotencyStore
from app.adapters.db.engine import create_engine
from app.adapters.db.health import DatabaseReadiness
from app.adapters.db.scratch import throwaway_database
from app.adapters.db.uow import SqlUnitOfWorkFactory
from app.adapters.embedded_pg import start_embedded_postgres
from app.adapters.ids import Uuid7Generator
from app.adapters.intake.spreadsheets import SpreadsheetFiles
from app.api.app import create_app
from app.domain.destinations import DestinationPolicy, parse_networks
from app.services.access.api_keys import ensure_bootstrap_key
from app.services.platform import Platform
from app.services.reactions import REACTIONS
from app.services.unit_of_work import in_transaction
from tests.fakes import FixedClock

ROOT = Path(__file__).resolve().parent.parent
ADMIN_SECRET = "test-admin-key-" + "x" * 16
# The tests' receivers listen on 127.0.0.1, which webhooks may reach only when allowed.
LOCAL_NETWORKS = "127.0.0.0/8,::1/128"


def server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return start_embedded_postgres(ROOT / ".data" / "test", database="postgres")


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    async with throwaway_database(server_url(), "huikuan_test") as url:
        yield url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=20, max_overflow=40)
    yield engine
    await engine.dispose()


async def truncate_all(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        tables = (
            (
                await conn.execute(
                    text(
                        "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename <> 'alembic_version'"
                    )
                )
            )
            .scalars()
            .all()
        )
        if tables:
            # The audit trail refuses TRUNCATE but for this setting (migration 0015).
            await conn.execute(text("SET LOCAL huikuan.audit_purge_before = 'infinity'"))
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The test database, emptied after the test."""
    yield engine
    await truncate_all(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def platform(db: AsyncEngine, clock: FixedClock) -> Platform:
    return Platform(
        uow=SqlUnitOfWorkFactory(db, REACTIONS),
        clock=clock,
        ids=Uuid7Generator(),
        idempotency=SqlIdempotencyStore(db),
        readiness=DatabaseReadiness(db),
        destinations=DestinationPolicy(parse_networks(LOCAL_NETWORKS)),
        import_files=SpreadsheetFiles(),
    )


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(platform)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
async def admin_secret(platform: Platform) -> str:
    await in_transaction(
        platform.uow(), ensure_bootstrap_key, platform.clock, platform.ids, ADMIN_SECRET
    )
    return ADMIN_SECRET


@pytest.fixture
async def api(client: httpx.AsyncClient, admin_secret: str) -> httpx.AsyncClient:
    """A client that sends the all-scopes key."""
    client.headers["Authorization"] = f"Bearer {admin_secret}"
    return client

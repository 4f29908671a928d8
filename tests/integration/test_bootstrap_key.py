"""HUIKUAN_BOOTSTRAP_API_KEY across restarts: revoking the bootstrap key is final."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.access.models import api_keys
from app.api.app import create_app
from app.bootstrap import Runtime, build_runtime
from app.settings import Settings

KEY = "bootstrap-key-for-the-restart-test"


@asynccontextmanager
async def started(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """One start of the service as ``huikuan serve`` builds it, with the bootstrap key."""
    settings = Settings(database_url=database_url, migrate_on_start=False, bootstrap_api_key=KEY)
    runtime: Runtime = await build_runtime(settings, with_background=False)
    transport = httpx.ASGITransport(app=create_app(runtime.platform))
    headers = {"Authorization": f"Bearer {KEY}"}
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", headers=headers
        ) as client:
            yield client
    finally:
        await runtime.close()


async def test_a_revoked_bootstrap_key_stays_revoked_after_a_restart(
    database_url: str, db: AsyncEngine
) -> None:
    async with started(database_url) as client:
        (key,) = (await client.get("/v1/admin/api-keys")).json()["data"]
        assert key["name"] == "bootstrap"
        revoked = await client.post(f"/v1/admin/api-keys/{key['id']}/revoke")
        assert revoked.status_code == 200
        assert (await client.get("/v1/customers")).status_code == 401
    async with started(database_url) as client:  # the restart runs the bootstrap again
        refused = await client.get("/v1/customers")
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
    async with db.connect() as conn:
        rows = (await conn.execute(select(api_keys.c.name, api_keys.c.revoked_at))).all()
    assert [(name, revoked_at is not None) for name, revoked_at in rows] == [("bootstrap", True)]

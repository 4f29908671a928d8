"""Health, readiness, metrics, and the 500 that never shows a trace."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.engine import create_engine
from app.adapters.db.health import DatabaseReadiness
from app.api.app import create_app
from app.services.platform import Platform


async def test_healthz_and_readyz_when_all_is_well(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok"}


async def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    dead = create_engine("postgresql://postgres@127.0.0.1:1/nothing")
    try:
        assert (await DatabaseReadiness(dead, timeout_s=1).problems())[0].startswith(
            "database unreachable"
        )
    finally:
        await dead.dispose()


async def test_readyz_is_503_when_migrations_are_behind(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    async with db.begin() as conn:
        head = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        await conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    try:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert "migrations behind" in response.json()["problems"][0]
    finally:
        async with db.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})


async def test_metrics_label_routes_by_template(api: httpx.AsyncClient) -> None:
    created = (await api.post("/v1/customers", json={"name": "A", "currency": "CNY"})).json()
    await api.get(f"/v1/customers/{created['id']}")
    await api.get("/v1/no-such-thing")
    body = (await api.get("/metrics")).text
    assert (
        'http_requests_total{method="GET",route="/v1/customers/{customer_id}",status="200"}' in body
    )
    assert 'route="<unmatched>",status="404"' in body
    assert created["id"] not in body
    assert "http_request_duration_seconds_bucket" in body


async def test_an_unexpected_error_is_a_500_problem_with_the_request_id_only(
    platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(platform)

    async def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/boom", explode)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        with caplog.at_level(logging.ERROR):
            response = await client.get("/boom", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["request_id"] == "req-42"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert any("secret internals" in (r.exc_text or "") for r in caplog.records)

"""Customers over HTTP on a real PostgreSQL."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def create(api: httpx.AsyncClient, **body: object) -> httpx.Response:
    payload = {"name": "上海回款科技有限公司", "currency": "CNY", **body}
    return await api.post("/v1/customers", json=payload)


async def test_create_and_get_a_customer_with_a_chinese_name(api: httpx.AsyncClient) -> None:
    created = await create(api, external_id="C-001", credit_limit="500000.00", credit_rating="B")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "上海回款科技有限公司"
    assert body["credit_limit"] == "500000.00"
    assert body["version"] == 1
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == f"/v1/customers/{body['id']}"

    fetched = await api.get(f"/v1/customers/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == body


async def test_create_emits_customer_created_in_the_outbox(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    created = (await create(api, external_id="C-002")).json()
    async with db.connect() as conn:
        rows = (
            (await conn.execute(text("SELECT type, subject, data FROM outbox_events")))
            .mappings()
            .all()
        )
    assert [(r["type"], r["subject"]) for r in rows] == [
        ("customer.created", f"customers/{created['id']}")
    ]
    assert rows[0]["data"]["object"] == created
    assert rows[0]["data"]["actor"] == {"api_key": "bootstrap", "user": None}

"""Producing events through the API, and reading what the database holds."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def create_customers(api: httpx.AsyncClient, count: int, concurrency: int = 16) -> None:
    """``count`` customers through the REST API: one ``customer.created`` event each."""
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> None:
        async with gate:
            response = await api.post(
                "/v1/customers", json={"name": f"客户 {index}", "currency": "CNY"}
            )
            assert response.status_code == 201, response.text

    await asyncio.gather(*(one(i) for i in range(count)))


async def subscribe(api: httpx.AsyncClient, url: str) -> str:
    response = await api.post("/v1/webhook-endpoints", json={"url": url, "event_types": ["*"]})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def event_ids(db: AsyncEngine) -> set[str]:
    async with db.connect() as conn:
        rows = await conn.execute(text("SELECT id::text FROM outbox_events"))
        return {row[0] for row in rows}

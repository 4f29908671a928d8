"""Helpers for the receivables HTTP tests: create records and read the outbox."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def customer(api: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    payload = {"name": "上海回款科技有限公司", "currency": "CNY", **body}
    return ok(await api.post("/v1/customers", json=payload), 201)


async def contract(api: httpx.AsyncClient, customer_id: str, **body: Any) -> dict[str, Any]:
    payload = {
        "customer_id": customer_id,
        "name": "ERP 实施项目",
        "amount": "1000000.00",
        "currency": "CNY",
        "owner": "u-sales-1",
        "signed_on": "2026-01-10",
        "installments": [
            {"name": "签约款", "due_date": "2026-02-01", "percent": "30"},
            {"name": "交付款", "due_date": "2026-06-30", "percent": "40"},
            {"name": "验收款", "due_date": "2027-03-31", "percent": "30"},
        ],
        **body,
    }
    return ok(await api.post("/v1/contracts", json=payload), 201)


async def invoice(api: httpx.AsyncClient, customer_id: str, **body: Any) -> dict[str, Any]:
    payload = {
        "customer_id": customer_id,
        "amount": "1000.00",
        "currency": "CNY",
        "issued_on": "2026-10-01",
        "due_date": "2026-10-31",
        **body,
    }
    return ok(await api.post("/v1/invoices", json=payload), 201)


async def payment(api: httpx.AsyncClient, customer_id: str, **body: Any) -> dict[str, Any]:
    payload = {
        "customer_id": customer_id,
        "amount": "1000.00",
        "currency": "CNY",
        "received_on": "2026-11-20",
        **body,
    }
    return ok(await api.post("/v1/payments", json=payload), 201)


async def events(db: AsyncEngine, type_prefix: str = "") -> list[dict[str, Any]]:
    async with db.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT type, subject, data FROM outbox_events "
                    "WHERE type LIKE :prefix ORDER BY position"
                ),
                {"prefix": type_prefix + "%"},
            )
        ).mappings()
        return [dict(r) for r in rows]


async def count_rows(db: AsyncEngine, table: str) -> int:
    async with db.connect() as conn:
        value = (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
    return int(value)

"""Helpers for the collection-work HTTP tests: targets, tasks, interactions, flags."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.receivables import ok

TODAY = "2026-11-27"  # the FixedClock's date in Asia/Shanghai


async def target(api: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    payload = {
        "name": "Q4 回款",
        "amount": "100000.00",
        "currency": "CNY",
        "period_start": "2026-10-01",
        "period_end": "2026-12-31",
        "scope": "org",
        **body,
    }
    return ok(await api.post("/v1/targets", json=payload), 201)


async def task(api: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    payload = {"title": "致电客户财务", "kind": "call", **body}
    return ok(await api.post("/v1/tasks", json=payload), 201)


async def interaction(api: httpx.AsyncClient, customer_id: str, **body: Any) -> dict[str, Any]:
    payload = {
        "customer_id": customer_id,
        "channel": "phone",
        "occurred_at": "2026-11-27T07:30:00Z",
        "summary": "客户确认下周付款",
        **body,
    }
    return ok(await api.post("/v1/interactions", json=payload), 201)


async def flags(api: httpx.AsyncClient, **query: Any) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = ok(await api.get("/v1/risk-flags", params=query))["data"]
    return data

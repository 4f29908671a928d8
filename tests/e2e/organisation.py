"""Helpers for the organisation HTTP tests: build a tree, place people, create projects."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.receivables import ok


async def unit(
    api: httpx.AsyncClient, code: str, parent: dict[str, Any] | None = None, **body: Any
) -> dict[str, Any]:
    payload = {"code": code, "name": f"部门 {code}", "parent_id": parent and parent["id"], **body}
    return ok(await api.post("/v1/org-units", json=payload), 201)


async def person(
    api: httpx.AsyncClient, user_id: str, in_unit: dict[str, Any] | None, **body: Any
) -> dict[str, Any]:
    payload = {"name": f"员工 {user_id}", "org_unit_id": in_unit and in_unit["id"], **body}
    response = await api.put(f"/v1/people/{user_id}", json=payload)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def project(
    api: httpx.AsyncClient, customer_id: str, in_unit: dict[str, Any] | None, **body: Any
) -> dict[str, Any]:
    payload = {
        "name": "智慧园区项目",
        "customer_id": customer_id,
        "org_unit_id": in_unit and in_unit["id"],
        **body,
    }
    return ok(await api.post("/v1/projects", json=payload), 201)

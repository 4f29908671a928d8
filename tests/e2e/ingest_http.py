"""Posting inbound events over HTTP in the e2e tests."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.e2e.receivables import ok

URL = "/v1/ingest/events"


async def post_events(
    api: httpx.AsyncClient, body: Any, content_type: str = "application/json", **headers: str
) -> httpx.Response:
    return await api.post(
        URL, content=json.dumps(body), headers={"Content-Type": content_type, **headers}
    )


async def ingest(
    api: httpx.AsyncClient, body: Any, content_type: str = "application/json"
) -> list[str]:
    """The statuses of a request's results, in order."""
    return [r["status"] for r in ok(await post_events(api, body, content_type))["results"]]


async def listed(api: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    return list(ok(await api.get(URL, params=params))["data"])


async def one(api: httpx.AsyncClient, path: str, external_id: str) -> dict[str, Any]:
    (found,) = ok(await api.get(path, params={"external_id": external_id}))["data"]
    return dict(found)

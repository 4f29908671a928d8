"""The dunning policy over HTTP: the default before any PUT, validation, If-Match."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.receivables import events, ok

DEFAULT = [
    {"level": 1, "days_overdue": 1, "action": "reminder", "create_task": False},
    {"level": 2, "days_overdue": 15, "action": "escalate", "create_task": True},
    {"level": 3, "days_overdue": 30, "action": "final_notice", "create_task": True},
    {"level": 4, "days_overdue": 60, "action": "legal", "create_task": True},
]


async def test_get_before_any_put_is_the_default(api: httpx.AsyncClient) -> None:
    got = ok(await api.get("/v1/dunning-policy"))
    assert got["levels"] == DEFAULT
    assert got["version"] == 1


async def test_put_replaces_and_versions_the_policy(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    levels = [
        {"level": 1, "days_overdue": 3, "action": "reminder"},
        {"level": 2, "days_overdue": 20, "action": "call", "create_task": True},
    ]
    put = await api.put(
        "/v1/dunning-policy",
        json={"levels": levels},
        headers={"If-Match": '"1"', "X-Actor": "u-cfo"},
    )
    body = ok(put)
    assert put.headers["etag"] == '"2"'
    assert body["levels"][0] == {**levels[0], "create_task": False}
    assert body["updated_by"]["user"] == "u-cfo"
    assert ok(await api.get("/v1/dunning-policy")) == body
    stale = await api.put(
        "/v1/dunning-policy", json={"levels": DEFAULT}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    (event,) = await events(db, "dunning_policy.")
    assert event["data"]["object"] == body
    assert event["data"]["changes"]["levels"]["from"] == DEFAULT


def level(n: int, days: int, action: str = "reminder") -> dict[str, Any]:
    return {"level": n, "days_overdue": days, "action": action}


@pytest.mark.parametrize(
    "levels",
    [
        [],
        [level(1, 10), level(2, 10)],  # duplicate days
        [level(1, 10), level(1, 20)],  # duplicate level
        [level(1, 20), level(2, 10)],  # decreasing days
        [level(2, 10), level(1, 20)],  # decreasing levels
        [level(0, 10)],
        [level(1, 0)],
        [level(1, -5)],
        [level(1, 5, "")],
        [{"level": 1, "days_overdue": 5}],
        [{**level(1, 5), "extra": True}],
    ],
)
async def test_bad_policies_are_422_and_change_nothing(
    api: httpx.AsyncClient, db: AsyncEngine, levels: list[dict[str, Any]]
) -> None:
    response = await api.put("/v1/dunning-policy", json={"levels": levels})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert ok(await api.get("/v1/dunning-policy"))["levels"] == DEFAULT
    assert await events(db, "dunning_policy.") == []

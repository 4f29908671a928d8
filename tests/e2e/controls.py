"""Helpers for the controls HTTP tests: a policy, and requests made as a named person."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.receivables import ok
from tests.receiver import eventually

WRITE_OFFS_OVER_10K = {
    "action": "invoice.write_off",
    "min_amount": "10000.00",
    "currency": "CNY",
    "approvers": ["u-cfo", "u-controller"],
    "required": 1,
}
EVERY_RESCHEDULE = {"action": "installment.reschedule", "approvers": ["u-cfo"], "required": 1}


async def audited(api: httpx.AsyncClient, count: int) -> None:
    """Wait until the audit log shows ``count`` entries: it reads below the oldest running
    transaction, and transaction ids are cluster-wide, so another database's open
    transaction on the same server may hold it back a moment (as the event feed)."""

    async def shown() -> bool:
        answer = await api.get("/v1/audit-log", params={"limit": 500})
        return len(answer.json()["data"]) >= count

    await eventually(shown)


def person(user: str) -> dict[str, str]:
    return {"X-Actor": user}


async def set_policy(api: httpx.AsyncClient, *rules: dict[str, Any]) -> dict[str, Any]:
    current = await api.get("/v1/approval-policy")
    put = await api.put(
        "/v1/approval-policy",
        json={"rules": list(rules)},
        headers={"If-Match": current.headers["etag"], **person("u-admin")},
    )
    return ok(put)


async def decide(
    api: httpx.AsyncClient, request_id: str, verdict: str, user: str, status: int = 200
) -> dict[str, Any]:
    answer = await api.post(
        f"/v1/approval-requests/{request_id}/{verdict}",
        json={"comment": f"{verdict} by {user}"},
        headers=person(user),
    )
    return ok(answer, status)

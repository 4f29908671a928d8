"""Risk flags over HTTP: by hand (raise, change, resolve, dismiss) and the summary they give."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.collection import flags
from tests.e2e.receivables import contract, count_rows, customer, events, invoice, ok

MISSING = "0190a4f2-0000-7000-8000-000000000000"


async def raise_flag(
    api: httpx.AsyncClient, type_: str, id_: str, kind: str = "other", **body: Any
) -> httpx.Response:
    payload = {"subject": {"type": type_, "id": id_}, "kind": kind, "severity": "low", **body}
    return await api.post("/v1/risk-flags", json=payload)


async def test_raise_by_hand_on_each_subject(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    c = await customer(api)
    k = await contract(api, c["id"])
    bill = await invoice(api, c["id"])
    made = []
    for type_, id_ in (("customer", c["id"]), ("contract", k["id"]), ("invoice", bill["id"])):
        response = await raise_flag(
            api, type_, id_, kind="legal", description="律师函", owner="u-legal"
        )
        flag = ok(response, 201)
        assert response.headers["location"] == f"/v1/risk-flags/{flag['id']}"
        assert flag["subject"] == {"type": type_, "id": id_}
        assert flag["customer_id"] == c["id"]
        assert (flag["source"], flag["rule"], flag["status"]) == ("user", None, "open")
        made.append(flag)
    raised = await events(db, "risk.")
    assert [e["type"] for e in raised] == ["risk.raised"] * 3
    assert raised[0]["subject"] == f"risk-flags/{made[0]['id']}"
    assert raised[0]["data"]["object"] == made[0]
    detail = ok(await api.get(f"/v1/customers/{c['id']}"))
    assert detail["risk"] == {"open_flags": 3, "highest_severity": "low"}


async def test_one_active_flag_per_subject_and_kind(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    first = ok(await raise_flag(api, "customer", c["id"], kind="credit"), 201)
    again = await raise_flag(api, "customer", c["id"], kind="credit", severity="high")
    assert again.status_code == 409
    assert ok(await raise_flag(api, "customer", c["id"], kind="legal"), 201)
    url = f"/v1/risk-flags/{first['id']}"
    ok(await api.post(f"{url}/resolve", json={"note": "客户已补足担保"}))
    assert ok(await raise_flag(api, "customer", c["id"], kind="credit"), 201)
    assert await count_rows(db, "risk_flags") == 3


@pytest.mark.parametrize(
    ("subject", "status"),
    [
        ({"type": "customer", "id": MISSING}, 422),
        ({"type": "contract", "id": MISSING}, 422),
        ({"type": "invoice", "id": MISSING}, 422),
        ({"type": "payment", "id": MISSING}, 422),
        ({"type": "customer", "id": "nope"}, 422),
    ],
)
async def test_a_flag_on_an_unknown_subject_is_refused(
    api: httpx.AsyncClient, db: AsyncEngine, subject: dict[str, str], status: int
) -> None:
    payload = {"subject": subject, "kind": "other", "severity": "low"}
    response = await api.post("/v1/risk-flags", json=payload)
    assert response.status_code == status, response.text
    assert await count_rows(db, "risk_flags") == 0
    assert await count_rows(db, "outbox_events") == 0


async def test_change_escalate_mitigate(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    c = await customer(api)
    flag = ok(await raise_flag(api, "customer", c["id"]), 201)
    url = f"/v1/risk-flags/{flag['id']}"
    up = await api.patch(url, json={"severity": "high"}, headers={"If-Match": '"1"'})
    assert ok(up)["severity"] == "high"
    assert up.headers["etag"] == '"2"'
    stale = await api.patch(url, json={"severity": "critical"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    plan = ok(await api.patch(url, json={"status": "mitigating", "mitigation_plan": "分期"}))
    assert (plan["status"], plan["mitigation_plan"]) == ("mitigating", "分期")
    down = ok(await api.patch(url, json={"severity": "medium"}))
    assert down["severity"] == "medium"
    assert (await api.patch(url, json={"status": "resolved"})).status_code == 422
    types = [e["type"] for e in await events(db, "risk.")]
    assert types == ["risk.raised", "risk.escalated", "risk.updated", "risk.updated"]
    escalated = (await events(db, "risk.escalated"))[0]["data"]
    assert escalated["changes"] == {"severity": {"from": "low", "to": "high"}}


@pytest.mark.parametrize("action", ["resolve", "dismiss"])
async def test_resolve_and_dismiss_need_a_note_and_close_the_flag(
    api: httpx.AsyncClient, db: AsyncEngine, action: str
) -> None:
    c = await customer(api)
    flag = ok(await raise_flag(api, "customer", c["id"]), 201)
    url = f"/v1/risk-flags/{flag['id']}"
    assert (await api.post(f"{url}/{action}", json={})).status_code == 422
    assert (await api.post(f"{url}/{action}", json={"note": ""})).status_code == 422
    closed = ok(await api.post(f"{url}/{action}", json={"note": "已处理"}))
    status = "resolved" if action == "resolve" else "dismissed"
    assert (closed["status"], closed["resolution_note"]) == (status, "已处理")
    assert closed["resolved_at"] is not None
    assert (await api.post(f"{url}/resolve", json={"note": "again"})).status_code == 409
    assert (await api.patch(url, json={"severity": "high"})).status_code == 409
    resolved = await events(db, "risk.resolved")
    assert [e["data"]["object"]["status"] for e in resolved] == [status]
    assert resolved[0]["data"]["note"] == "已处理"
    detail = ok(await api.get(f"/v1/customers/{c['id']}"))
    assert detail["risk"] == {"open_flags": 0, "highest_severity": None}


async def test_list_filters(api: httpx.AsyncClient) -> None:
    c, other = await customer(api), await customer(api, name="乙方")
    bill = await invoice(api, c["id"])
    a = ok(await raise_flag(api, "customer", c["id"], kind="legal", severity="critical"), 201)
    b = ok(await raise_flag(api, "invoice", bill["id"], kind="invoice_error"), 201)
    d = ok(await raise_flag(api, "customer", other["id"], severity="medium"), 201)
    ok(await api.post(f"/v1/risk-flags/{d['id']}/dismiss", json={"note": "误报"}))

    async def ids(**query: str) -> list[str]:
        return [f["id"] for f in await flags(api, **query)]

    assert await ids(customer_id=c["id"]) == [a["id"], b["id"]]
    assert await ids(subject_type="invoice") == [b["id"]]
    assert await ids(subject_id=bill["id"]) == [b["id"]]
    assert await ids(kind="legal") == [a["id"]]
    assert await ids(status="dismissed") == [d["id"]]
    assert await ids(active="true") == [a["id"], b["id"]]
    assert await ids(active="false") == [d["id"]]
    assert await ids(min_severity="medium") == [a["id"], d["id"]]
    assert (await api.get("/v1/risk-flags", params={"min_severity": "huge"})).status_code == 422
    assert (await api.get(f"/v1/risk-flags/{MISSING}")).status_code == 404

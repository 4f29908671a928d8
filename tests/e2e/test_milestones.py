"""A construction contract followed through its milestones: advance on a date, acceptance
30 days after 竣工验收, 5 % retention 24 months after it."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.ingest_http import ingest, post_events
from tests.e2e.milestone_book import construction
from tests.e2e.receivables import customer, events, invoice, ok
from tests.ingest_events import event

EVIDENCE = {"url": "https://docs.example.com/ht-7/acceptance.pdf", "name": "竣工验收报告"}


def shape(k: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (i["kind"], i["basis"], i["due_date"], i["status"], i["overdue"]) for i in k["installments"]
    ]


async def test_a_construction_contract_follows_its_milestones(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    k = await construction(api, (await customer(api))["id"])
    assert shape(k) == [
        ("advance", "date", "2026-02-01", "planned", True),
        ("acceptance", "milestone", None, "awaiting_milestone", False),
        ("retention", "milestone", None, "awaiting_milestone", False),
    ]
    assert k["installments"][2]["offset_months"] == 24
    assert [m["key"] for m in k["milestones"]] == ["start", "completion"]
    base = f"/v1/contracts/{k['id']}/milestones"
    listed = ok(await api.get(base))["data"]
    assert listed[1] == {
        "key": "completion",
        "name": "竣工验收",
        "planned_on": "2027-01-31",
        "reached_on": None,
        "evidence": [],
    }

    reached = await api.post(
        f"{base}/completion/reach",
        json={"reached_on": "2026-08-31", "evidence": [EVIDENCE]},
        headers={"If-Match": '"1"', "X-Actor": "u-pm-1"},
    )
    assert reached.status_code == 200, reached.text
    assert reached.headers["etag"] == '"2"'
    assert reached.json()["reached_on"] == "2026-08-31"
    assert reached.json()["evidence"] == [{**EVIDENCE, "sha256": None, "kind": None}]
    now = ok(await api.get(f"/v1/contracts/{k['id']}"))
    assert shape(now) == [
        ("advance", "date", "2026-02-01", "planned", True),
        ("acceptance", "milestone", "2026-09-30", "planned", True),
        ("retention", "milestone", "2028-08-31", "planned", False),
    ]
    assert now["installments"][1]["days_overdue"] == 58
    reached_events = await events(db, "milestone.reached")
    assert [e["subject"] for e in reached_events] == [f"contracts/{k['id']}/milestones/completion"]
    assert [i["due_date"] for i in reached_events[0]["data"]["installments"]] == [
        "2026-09-30",
        "2028-08-31",
    ]
    set_events = await events(db, "installment.due_date_set")
    assert [e["data"]["object"]["name"] for e in set_events] == ["验收款", "质保金"]
    history = ok(
        await api.get(f"/v1/contracts/{k['id']}/installments/{k['installments'][2]['id']}/history")
    )["data"]
    assert [(h["kind"], h["to"]["due_date"]) for h in history] == [
        ("created", None),
        ("due_date_set", "2028-08-31"),
    ]
    assert history[1]["changed_by"] == {"api_key": "bootstrap", "user": "u-pm-1"}

    again = await api.post(f"{base}/completion/reach", json={"reached_on": "2026-09-01"})
    assert again.status_code == 409

    undone = await api.post(f"{base}/completion/unreach", json={"reason": "录错了日期"})
    assert undone.status_code == 200, undone.text
    assert undone.json()["reached_on"] is None
    assert [
        i["due_date"] for i in ok(await api.get(f"/v1/contracts/{k['id']}"))["installments"]
    ] == [
        "2026-02-01",
        None,
        None,
    ]
    cleared = await events(db, "installment.due_date_cleared")
    assert [e["data"]["reason"] for e in cleared] == ["录错了日期"] * 2
    assert len(await events(db, "milestone.unreached")) == 1
    twice = await api.post(f"{base}/completion/unreach", json={"reason": "x"})
    assert twice.status_code == 409

    ok(await api.post(f"{base}/completion/reach", json={"reached_on": "2026-10-31"}))
    acceptance = ok(await api.get(f"/v1/contracts/{k['id']}"))["installments"][1]
    assert acceptance["due_date"] == "2026-11-30"
    await invoice(
        api,
        k["customer_id"],
        contract_id=k["id"],
        installment_id=acceptance["id"],
        amount="100000.00",
        due_date="2026-12-30",
    )
    blocked = await api.post(f"{base}/completion/unreach", json={"reason": "x"})
    assert blocked.status_code == 409
    assert "invoiced" in blocked.json()["detail"]


async def test_milestone_bad_input(api: httpx.AsyncClient) -> None:
    customer_id = (await customer(api))["id"]
    unknown = await api.post(
        "/v1/contracts",
        json={
            "customer_id": customer_id,
            "name": "x",
            "amount": "100.00",
            "currency": "CNY",
            "owner": "u",
            "signed_on": "2026-01-10",
            "milestones": [{"key": "completion", "name": "竣工"}],
            "installments": [{"name": "a", "milestone": "handover", "amount": "100.00"}],
        },
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["installments", 0, "milestone"]
    k = await construction(api, customer_id)
    plan = k["installments"]

    def item(**changes: Any) -> dict[str, Any]:
        return {"name": "x", "amount": "50000.00", "milestone": "completion", **changes}

    for bad in (
        item(offset_days=1, offset_months=1),
        item(offset_days=-1),
        item(offset_months=-1),
        item(due_date="2026-03-01", basis="date"),
        item(basis="date", milestone=None),
    ):
        rest = [{"id": p["id"], "name": p["name"], "amount": p["amount"]} for p in plan]
        rest[0] = {**rest[0], "due_date": "2026-02-01"}
        for index in (1, 2):
            rest[index] = {**rest[index], "milestone": "completion"}
        rest[0]["amount"] = "250000.00"
        answer = await api.patch(f"/v1/contracts/{k['id']}", json={"installments": [*rest, bad]})
        assert answer.status_code == 422, (bad, answer.text)
    base = f"/v1/contracts/{k['id']}/milestones"
    assert (
        await api.post(f"{base}/nope/reach", json={"reached_on": "2026-08-31"})
    ).status_code == 404
    assert (await api.post(f"{base}/completion/unreach", json={"reason": "x"})).status_code == 409
    bad_link = await api.post(
        f"{base}/completion/reach",
        json={"reached_on": "2026-08-31", "evidence": [{"url": "file:///etc/passwd", "name": "x"}]},
    )
    assert bad_link.status_code == 422
    assert (await api.get(f"/v1/contracts/{k['customer_id']}/milestones")).status_code == 404


async def test_a_replan_moves_not_yet_invoiced_installments_with_history(
    api: httpx.AsyncClient,
) -> None:
    k = await construction(api, (await customer(api))["id"])
    plan = k["installments"]
    items = [
        {"id": plan[0]["id"], "name": "预付款", "kind": "advance", "due_date": "2026-02-01",
         "percent": "30"},
        {"id": plan[1]["id"], "name": "验收款", "kind": "acceptance", "milestone": "start",
         "offset_days": 10, "percent": "65"},
        {"id": plan[2]["id"], "name": "质保金", "kind": "retention", "milestone": "completion",
         "offset_months": 12, "percent": "5"},
    ]  # fmt: skip
    ok(
        await api.post(
            f"/v1/contracts/{k['id']}/milestones/start/reach", json={"reached_on": "2026-02-03"}
        )
    )
    changed = await api.patch(
        f"/v1/contracts/{k['id']}", json={"installments": items, "reason": "变更签证"}
    )
    assert changed.status_code == 200, changed.text
    assert [i["due_date"] for i in changed.json()["installments"]] == [
        "2026-02-01",
        "2026-02-13",
        None,
    ]
    history = ok(await api.get(f"/v1/contracts/{k['id']}/installments/{plan[1]['id']}/history"))[
        "data"
    ]
    assert [(h["kind"], h["reason"]) for h in history] == [
        ("created", None),
        ("changed", "变更签证"),
    ]
    # A reached milestone stays; an unreached one may go once nothing names it.
    gone = await api.patch(
        f"/v1/contracts/{k['id']}",
        json={"milestones": [{"key": "completion", "name": "竣工验收"}]},
    )
    assert gone.status_code == 409
    renamed = await api.patch(
        f"/v1/contracts/{k['id']}",
        json={
            "milestones": [
                {"key": "start", "name": "开工"},
                {"key": "completion", "name": "竣工验收", "planned_on": "2027-03-31"},
            ]
        },
    )
    assert renamed.status_code == 200, renamed.text
    assert [(m["key"], m["planned_on"], m["reached_on"]) for m in renamed.json()["milestones"]] == [
        ("start", None, "2026-02-03"),
        ("completion", "2027-03-31", None),
    ]


async def test_milestone_reached_by_ingestion_waits_for_its_contract(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    reached = {
        "contract_external_id": "HT-M",
        "key": "completion",
        "reached_on": "2026-08-31",
        "evidence": [EVIDENCE],
    }
    assert await ingest(api, event("milestone.reached", reached)) == ["parked"]
    buyer = await customer(api)
    k = await construction(api, buyer["id"], external_id="HT-M")
    now = ok(await api.get(f"/v1/contracts/{k['id']}"))
    assert [i["due_date"] for i in now["installments"]] == [
        "2026-02-01",
        "2026-09-30",
        "2028-08-31",
    ]
    assert now["milestones"][1]["evidence"][0]["name"] == "竣工验收报告"
    assert len(await events(db, "installment.due_date_set")) == 2
    # The same day again is noted; another day is a conflict.
    assert await ingest(api, event("milestone.reached", reached)) == ["accepted"]
    later = {**reached, "reached_on": "2026-09-05"}
    assert await ingest(api, event("milestone.reached", later)) == ["rejected"]
    unknown = {**reached, "key": "handover"}
    assert await ingest(api, event("milestone.reached", unknown)) == ["rejected"]
    bad = {**reached, "reached_on": "2026-02-30", "evidence": [{"url": "ftp://x", "name": "x"}]}
    answer = ok(await post_events(api, event("milestone.reached", bad)))
    (result,) = answer["results"]
    assert result["status"] == "rejected"
    locs = {tuple(e["loc"]) for e in result["problem"]["errors"]}
    assert ("data", "reached_on") in locs
    assert ("data", "evidence", 0, "url") in locs


async def test_reports_place_awaiting_installments_and_show_unbilled_apart(
    api: httpx.AsyncClient,
) -> None:
    await construction(api, (await customer(api))["id"])
    params = {"from": "2026-11-27", "to": "2027-04-30", "interval": "month"}
    forecast = ok(await api.get("/v1/reports/forecast", params=params))
    planned = {p["period_start"]: p["planned"] for p in forecast["periods"]}
    # Acceptance: completion planned 2027-01-31 + 30 days; retention (2029) is beyond.
    assert planned == {
        "2026-11-27": "0.00",
        "2026-12-01": "0.00",
        "2027-01-01": "0.00",
        "2027-02-01": "0.00",
        "2027-03-01": "650000.00",
        "2027-04-01": "0.00",
    }
    assert forecast["overdue"][0]["installments"] == "300000.00"
    assert forecast["overdue"][0]["planned"] == "0.00"

    by_installment = ok(await api.get("/v1/reports/aging", params={"basis": "installment"}))
    (total,) = by_installment["totals"]
    assert total["buckets"]["current"] == "700000.00"  # awaiting: not due, never overdue
    assert total["buckets"]["91_plus"] == "300000.00"
    assert (total["total"], total["unbilled"]) == ("1000000.00", "300000.00")
    by_invoice = ok(await api.get("/v1/reports/aging"))
    (total,) = by_invoice["totals"]
    assert (total["total"], total["unbilled"]) == ("0.00", "300000.00")
    assert by_invoice["groups"][0]["unbilled"] == "300000.00"
    earlier = ok(await api.get("/v1/reports/aging", params={"as_of": "2026-02-07"}))
    assert earlier["totals"] == []  # the advance is unbilled from 2026-02-08 on


async def test_the_worklist_asks_to_invoice_a_reached_milestone_never_an_awaiting_one(
    api: httpx.AsyncClient,
) -> None:
    k = await construction(api, (await customer(api))["id"])
    listed = ok(await api.get("/v1/worklist", params={"assignee": "u-pm-1"}))["data"]
    assert [(i["reference"], i["next_action"]) for i in listed] == [("预付款", "issue_invoice")]
    reach = {"reached_on": "2026-08-31"}
    ok(await api.post(f"/v1/contracts/{k['id']}/milestones/completion/reach", json=reach))
    listed = ok(await api.get("/v1/worklist", params={"assignee": "u-pm-1"}))["data"]
    assert sorted((i["reference"], i["next_action"]) for i in listed) == [
        ("预付款", "issue_invoice"),
        ("验收款", "issue_invoice"),
    ]


async def test_kpis_show_unbilled_work_apart(api: httpx.AsyncClient) -> None:
    await construction(api, (await customer(api))["id"])
    (row,) = ok(await api.get("/v1/reports/kpis"))["data"]
    assert (row["unbilled"], row["closing_receivables"]) == ("300000.00", "0.00")
    early = ok(await api.get("/v1/reports/kpis", params={"from": "2026-01-10", "to": "2026-02-07"}))
    assert early["data"] == []

"""``contract.upserted`` carries a construction plan: milestones, kinds and milestone terms,
which then follow ``milestone.reached`` as a plan entered through the API does."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.ingest_http import ingest, post_events
from tests.e2e.milestone_book import INSTALLMENTS, MILESTONES
from tests.e2e.receivables import ok
from tests.ingest_events import event

PLAN: dict[str, Any] = {
    "external_id": "HT-I",
    "customer_external_id": "C-I",
    "name": "厂房施工",
    "amount": "1000000.00",
    "currency": "CNY",
    "owner": "u-pm-1",
    "signed_on": "2026-01-10",
    "milestones": MILESTONES,
    "installments": INSTALLMENTS,
}


async def the_contract(api: httpx.AsyncClient) -> dict[str, Any]:
    (found,) = ok(await api.get("/v1/contracts", params={"external_id": "HT-I"}))["data"]
    return dict(found)


def at(minute: int) -> str:
    return f"2026-11-27T08:{minute:02d}:00Z"


async def test_a_contract_upserted_with_milestones_follows_them(api: httpx.AsyncClient) -> None:
    customer = {"external_id": "C-I", "name": "华东建设"}
    assert await ingest(api, [event("customer.upserted", customer, occurred_at=at(0))]) == [
        "accepted"
    ]
    assert await ingest(api, [event("contract.upserted", PLAN, occurred_at=at(1))]) == ["accepted"]
    k = await the_contract(api)
    assert [(i["kind"], i["basis"], i["due_date"], i["status"]) for i in k["installments"]] == [
        ("advance", "date", "2026-02-01", "planned"),
        ("acceptance", "milestone", None, "awaiting_milestone"),
        ("retention", "milestone", None, "awaiting_milestone"),
    ]
    assert [(m["key"], m["planned_on"]) for m in k["milestones"]] == [
        ("start", "2026-02-01"),
        ("completion", "2027-01-31"),
    ]
    reached = {"contract_external_id": "HT-I", "key": "completion", "reached_on": "2027-02-28"}
    assert await ingest(api, [event("milestone.reached", reached, occurred_at=at(2))]) == [
        "accepted"
    ]
    k = await the_contract(api)
    assert [i["due_date"] for i in k["installments"]] == ["2026-02-01", "2027-03-30", "2029-02-28"]
    # The ERP sends the same plan again: the reached milestone and its due dates stay.
    assert await ingest(api, [event("contract.upserted", PLAN, occurred_at=at(3))]) == ["accepted"]
    again = await the_contract(api)
    assert again["installments"] == k["installments"]
    assert again["milestones"][1]["reached_on"] == "2027-02-28"
    # Without milestones an update keeps the contract's own.
    plain = {k: v for k, v in PLAN.items() if k != "milestones"}
    assert await ingest(api, [event("contract.upserted", plain, occurred_at=at(4))]) == ["accepted"]
    assert [m["key"] for m in (await the_contract(api))["milestones"]] == ["start", "completion"]


async def test_a_bad_construction_plan_is_rejected_field_by_field(api: httpx.AsyncClient) -> None:
    items = PLAN["installments"]
    bad = {
        **PLAN,
        "milestones": [PLAN["milestones"][0], {"key": "start", "name": "again"}],
        "installments": [
            {**items[0], "kind": "deposit"},
            {**items[1], "milestone": "handover"},
            {**items[2], "offset_days": 10},
        ],
    }
    answer = ok(await post_events(api, [event("contract.upserted", bad)]))
    (result,) = answer["results"]
    assert result["status"] == "rejected"
    locs = {tuple(e["loc"]) for e in result["problem"]["errors"]}
    assert locs == {
        ("data", "milestones", 1, "key"),
        ("data", "installments", 0, "kind"),
        ("data", "installments", 1, "milestone"),
        ("data", "installments", 2, "offset_days"),
    }
    dated = {**PLAN, "installments": [items[0], {**items[1], "due_date": "2027-03-01"}, items[2]]}
    answer = ok(await post_events(api, [event("contract.upserted", dated)]))
    assert {tuple(e["loc"]) for e in answer["results"][0]["problem"]["errors"]} == {
        ("data", "installments", 1, "due_date")
    }
    assert ok(await api.get("/v1/contracts", params={"external_id": "HT-I"}))["data"] == []

"""Targets over HTTP: every scope's progress, computed in the database, and bad input."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.collection import target, task
from tests.e2e.receivables import contract, count_rows, customer, events, invoice, ok, payment


async def test_org_target_without_plan_uses_a_straight_line(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    await payment(api, c["id"], amount="30000.00", received_on="2026-11-01", allocations=[])
    await payment(api, c["id"], amount="5000.00", received_on="2026-09-30", allocations=[])
    await payment(
        api, c["id"], amount="700.00", currency="USD", received_on="2026-11-02", allocations=[]
    )
    t = await target(api, amount="92000.00")  # 92 days: 2026-10-01 .. 2026-12-31
    assert t["collected"] == "30000.00"  # CNY received in the period; not USD, not September
    assert t["remaining"] == "62000.00"
    assert t["percent"] == "32.61"
    assert t["expected_basis"] == "straight_line"
    assert t["expected_to_date"] == "57000.00"  # 57 days before 2026-11-27 × 1000 a day
    assert t["pace"] == "behind"  # 30000 / 57000 = 53 %
    assert t["status"] == "active"
    assert t["days_left"] == 35  # 2026-11-27 .. 2026-12-31, today included
    assert t["required_daily_amount"] == "1771.43"  # 62000 / 35, rounded up
    assert t["as_of"] == "2026-11-27"
    assert t["tasks"]["total"] == 0
    assert t["tasks"]["completion_rate"] is None


async def test_contract_target_counts_allocations_and_follows_the_plan(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    k = await contract(api, c["id"])  # 300k due 2026-02-01, 400k 2026-06-30, 300k 2027-03-31
    first = k["installments"][0]
    await invoice(
        api,
        c["id"],
        amount="300000.00",
        installment_id=first["id"],
        issued_on="2026-01-20",
        due_date="2026-02-01",
    )
    await invoice(api, c["id"], amount="500.00")  # not the contract's
    await payment(api, c["id"], amount="300500.00", received_on="2026-03-01")
    t = await target(
        api,
        amount="1000000.00",
        period_start="2026-01-01",
        period_end="2027-03-31",
        scope="contract",
        scope_id=k["id"],
    )
    assert t["scope"] == "contract"
    assert t["scope_id"] == k["id"]
    assert t["collected"] == "300000.00"
    assert t["expected_basis"] == "plan"
    assert t["expected_to_date"] == "700000.00"
    assert t["pace"] == "behind"
    got = await events(db, "target.")
    assert [e["type"] for e in got] == ["target.created"]
    assert got[0]["subject"] == f"targets/{t['id']}"
    assert got[0]["data"]["object"] == t


async def test_plan_shape_spreads_the_target_amount(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    await contract(api, c["id"], owner="u-li")
    t = await target(
        api,
        amount="500000.00",
        period_start="2026-01-01",
        period_end="2026-12-31",
        scope="owner",
        scope_id="u-li",
    )
    # 700k of the owner's plan falls due in 2026, all of it before today: all 500k expected
    assert t["expected_to_date"] == "500000.00"
    assert t["scope_id"] == "u-li"


async def test_customer_target_counts_the_customers_payments(api: httpx.AsyncClient) -> None:
    c, other = await customer(api), await customer(api, name="别的客户")
    await payment(api, c["id"], amount="800.00", received_on="2026-11-20", allocations=[])
    await payment(api, other["id"], amount="900.00", received_on="2026-11-20", allocations=[])
    reversed_ = await payment(api, c["id"], amount="50.00", received_on="2026-11-21")
    ok(await api.post(f"/v1/payments/{reversed_['id']}/reverse", json={}))
    t = await target(api, amount="1000.00", scope="customer", scope_id=c["id"])
    assert t["collected"] == "800.00"


async def test_owner_target_counts_allocations_to_the_owners_contracts(
    api: httpx.AsyncClient,
) -> None:
    c = await customer(api)
    mine = await contract(api, c["id"], owner="u-wang", installments=[])
    theirs = await contract(api, c["id"], owner="u-zhao", installments=[])
    a = await invoice(api, c["id"], contract_id=mine["id"], amount="100.00")
    b = await invoice(api, c["id"], contract_id=theirs["id"], amount="200.00")
    await payment(
        api,
        c["id"],
        amount="300.00",
        allocations=[
            {"invoice_id": a["id"], "amount": "100.00"},
            {"invoice_id": b["id"], "amount": "200.00"},
        ],
    )
    t = await target(api, amount="100.00", scope="owner", scope_id="u-wang")
    assert t["collected"] == "100.00"
    assert t["status"] == "achieved"
    assert t["remaining"] == "0.00"
    assert t["required_daily_amount"] == "0.00"
    assert t["pace"] == "ahead"


async def test_a_target_shows_its_tasks_and_completion_rate(api: httpx.AsyncClient) -> None:
    t = await target(api)
    done = await task(api, target_id=t["id"])
    await task(api, target_id=t["id"], due_date="2026-11-01")  # overdue
    cancelled = await task(api, target_id=t["id"])
    await task(api)  # another target's (none)
    for status in ("in_progress", "done"):
        ok(await api.patch(f"/v1/tasks/{done['id']}", json={"status": status}))
    ok(await api.patch(f"/v1/tasks/{cancelled['id']}", json={"status": "cancelled"}))
    got = ok(await api.get(f"/v1/targets/{t['id']}"))
    assert got["tasks"] == {
        "total": 3,
        "todo": 1,
        "in_progress": 0,
        "done": 1,
        "cancelled": 1,
        "overdue": 1,
        "completion_rate": "50.00",
    }
    listed = ok(await api.get(f"/v1/targets/{t['id']}/tasks"))
    assert len(listed["data"]) == 3


async def test_patch_list_and_if_match(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    t = await target(api, owner="u-1")
    url = f"/v1/targets/{t['id']}"
    changed = await api.patch(
        url, json={"amount": "50000", "owner": "u-2"}, headers={"If-Match": '"1"'}
    )
    assert ok(changed)["amount"] == "50000.00"
    assert changed.headers["etag"] == '"2"'
    stale = await api.patch(url, json={"name": "x"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    await target(api, period_start="2027-01-01", period_end="2027-03-31")
    active = ok(await api.get("/v1/targets", params={"active_on": "2026-11-27"}))["data"]
    assert [x["id"] for x in active] == [t["id"]]
    by_owner = ok(await api.get("/v1/targets", params={"owner": "u-2"}))["data"]
    assert [x["id"] for x in by_owner] == [t["id"]]
    page = ok(await api.get("/v1/targets", params={"limit": 1}))
    assert len(page["data"]) == 1
    assert page["next_cursor"]
    updated = (await events(db, "target.updated"))[0]["data"]
    assert updated["changes"]["owner"] == {"from": "u-1", "to": "u-2"}


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"period_start": "2026-12-31", "period_end": "2026-12-01"}, "period_end"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"scope": "customer"}, "scope_id"),
        ({"scope": "customer", "scope_id": "not-an-id"}, "scope_id"),
        ({"scope": "customer", "scope_id": "0190a4f2-0000-7000-8000-000000000000"}, "scope_id"),
        ({"scope": "contract", "scope_id": "0190a4f2-0000-7000-8000-000000000000"}, "scope_id"),
        ({"scope": "org", "scope_id": "x"}, "scope_id"),
        ({"scope": "planet"}, "scope"),
    ],
)
async def test_bad_targets_are_422_and_change_nothing(
    api: httpx.AsyncClient, db: AsyncEngine, body: dict[str, str], loc: str
) -> None:
    response = await api.post(
        "/v1/targets",
        json={
            "name": "T",
            "amount": "100.00",
            "currency": "CNY",
            "period_start": "2026-10-01",
            "period_end": "2026-12-31",
            "scope": "org",
            **body,
        },
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert loc in str(response.json().get("errors"))
    assert await count_rows(db, "targets") == 0
    assert await count_rows(db, "outbox_events") == 0


async def test_a_contract_target_is_in_the_contracts_currency(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    k = await contract(api, c["id"])
    response = await api.post(
        "/v1/targets",
        json={
            "name": "T",
            "amount": "100.00",
            "currency": "USD",
            "period_start": "2026-10-01",
            "period_end": "2026-12-31",
            "scope": "contract",
            "scope_id": k["id"],
        },
    )
    assert response.status_code == 422
    assert (await api.get(f"/v1/targets/{k['id']}")).status_code == 404


async def test_scope_filters(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    k = await contract(api, c["id"])
    by_customer = await target(api, scope="customer", scope_id=c["id"])
    by_contract = await target(api, scope="contract", scope_id=k["id"])
    by_owner = await target(api, scope="owner", scope_id="u-sales-1")
    org = await target(api)

    async def ids(**query: str) -> list[str]:
        return [t["id"] for t in ok(await api.get("/v1/targets", params=query))["data"]]

    assert await ids(scope="org") == [org["id"]]
    assert await ids(scope_id=c["id"]) == [by_customer["id"]]
    assert await ids(scope="contract", scope_id=k["id"]) == [by_contract["id"]]
    assert await ids(scope="owner", scope_id="u-sales-1") == [by_owner["id"]]
    assert await ids(scope="customer", scope_id=k["id"]) == []

"""Contracts and collection plans over HTTP on a real PostgreSQL."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.receivables import contract, count_rows, customer, events, invoice, ok, payment

UNKNOWN = "01900000-0000-7000-8000-000000000000"


async def test_percent_plan_becomes_amounts_and_contract_created_is_emitted(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    created = await contract(
        api,
        c["id"],
        amount="1000.01",
        installments=[
            {"name": "a", "due_date": "2026-02-01", "percent": "33.33"},
            {"name": "b", "due_date": "2026-03-01", "percent": "33.33"},
            {"name": "c", "due_date": "2026-04-01", "percent": "33.34"},
        ],
    )
    assert [i["amount"] for i in created["installments"]] == ["333.30", "333.30", "333.41"]
    assert created["version"] == 1
    fetched = await api.get(f"/v1/contracts/{created['id']}")
    assert fetched.headers["etag"] == '"1"'
    assert fetched.json() == created
    (event,) = await events(db, "contract.")
    assert (event["type"], event["subject"]) == ("contract.created", f"contracts/{created['id']}")
    assert event["data"]["object"] == created


async def test_jpy_plan_has_no_decimals_and_the_remainder_goes_last(
    api: httpx.AsyncClient,
) -> None:
    c = await customer(api, currency="JPY")
    created = await contract(
        api,
        c["id"],
        amount="1000001",
        currency="JPY",
        installments=[
            {"name": "a", "due_date": "2026-02-01", "percent": "30"},
            {"name": "b", "due_date": "2026-03-01", "percent": "30"},
            {"name": "c", "due_date": "2026-04-01", "percent": "40"},
        ],
    )
    assert [i["amount"] for i in created["installments"]] == ["300000", "300000", "400001"]
    assert created["totals"]["outstanding"] == "1000001"


async def test_bad_plans_are_refused_and_change_nothing(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    base = {
        "customer_id": c["id"],
        "name": "x",
        "amount": "100.00",
        "currency": "CNY",
        "owner": "u1",
        "signed_on": "2026-01-10",
    }
    cases = [
        [{"name": "a", "due_date": "2026-02-01", "percent": "30"}],
        [{"name": "a", "due_date": "2026-02-01", "amount": "99.99"}],
        [{"name": "a", "due_date": "2026-01-09", "amount": "100.00"}],
        [{"name": "a", "due_date": "2026-02-01", "amount": "50", "percent": "50"}],
        [
            {"name": "a", "due_date": "2026-02-01", "amount": "50"},
            {"name": "a", "due_date": "2026-02-01", "amount": "50"},
        ],
        [{"name": "a", "due_date": "2026-02-01", "amount": "100.001"}],
    ]
    for plan in cases:
        response = await api.post("/v1/contracts", json={**base, "installments": plan})
        assert response.status_code == 422, (plan, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    unknown = await api.post("/v1/contracts", json={**base, "customer_id": UNKNOWN})
    assert unknown.status_code == 422
    assert "customer" in unknown.json()["detail"]
    assert await count_rows(db, "contracts") == 0
    assert await events(db, "contract.") == []


async def test_duplicate_external_id_is_409(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    await contract(api, c["id"], external_id="HT-2026-001")
    again = await api.post(
        "/v1/contracts",
        json={
            "customer_id": c["id"],
            "name": "y",
            "amount": "1",
            "currency": "CNY",
            "owner": "u",
            "signed_on": "2026-01-01",
            "external_id": "HT-2026-001",
        },
    )
    assert again.status_code == 409
    assert again.json()["type"] == "urn:huikuan:problem:duplicate-external-id"


async def test_list_filters_and_pages(api: httpx.AsyncClient) -> None:
    a, b = await customer(api), await customer(api, name="北京某公司")
    first = await contract(api, a["id"], external_id="A-1")
    second = await contract(api, a["id"], owner="u-2")
    await contract(api, b["id"])
    page = ok(await api.get("/v1/contracts", params={"customer_id": a["id"], "limit": 1}))
    assert [x["id"] for x in page["data"]] == [first["id"]]
    rest = ok(
        await api.get(
            "/v1/contracts", params={"customer_id": a["id"], "cursor": page["next_cursor"]}
        )
    )
    assert [x["id"] for x in rest["data"]] == [second["id"]]
    assert rest["next_cursor"] is None
    by_number = ok(await api.get("/v1/contracts", params={"external_id": "A-1"}))
    assert [x["id"] for x in by_number["data"]] == [first["id"]]
    by_owner = ok(await api.get("/v1/contracts", params={"owner": "u-2"}))
    assert [x["id"] for x in by_owner["data"]] == [second["id"]]
    assert (await api.get(f"/v1/contracts/{UNKNOWN}")).status_code == 404


async def test_patch_fields_with_if_match(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    c = await customer(api)
    k = await contract(api, c["id"])
    stale = await api.patch(
        f"/v1/contracts/{k['id']}", json={"name": "新名称"}, headers={"If-Match": '"7"'}
    )
    assert stale.status_code == 412
    changed = ok(
        await api.patch(
            f"/v1/contracts/{k['id']}",
            json={"name": "新名称", "late_fee_rate": "0.0005"},
            headers={"If-Match": '"1"'},
        )
    )
    assert (changed["name"], changed["late_fee_rate"], changed["version"]) == (
        "新名称",
        "0.0005",
        2,
    )
    (event,) = await events(db, "contract.updated")
    assert event["data"]["changes"] == {
        "name": {"from": "ERP 实施项目", "to": "新名称"},
        "late_fee_rate": {"from": None, "to": "0.0005"},
    }
    assert event["data"]["object"] == changed
    lonely = await api.patch(f"/v1/contracts/{k['id']}", json={"amount": "2000000.00"})
    assert lonely.status_code == 422  # the plan would no longer add up
    late = await api.patch(f"/v1/contracts/{k['id']}", json={"signed_on": "2026-03-01"})
    assert late.status_code == 422  # an installment would be due before signing
    assert (
        await api.patch(f"/v1/contracts/{k['id']}", json={"currency": "USD"})
    ).status_code == 422


async def test_installment_figures_follow_invoices_and_payments(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    k = await contract(api, c["id"])
    first = k["installments"][0]
    assert (first["status"], first["overdue"], first["days_overdue"]) == ("planned", True, 299)
    bill = await invoice(
        api,
        c["id"],
        installment_id=first["id"],
        amount="300000.00",
        issued_on="2026-01-20",
        due_date="2026-02-01",
    )
    assert bill["contract_id"] == k["id"]
    view = ok(await api.get(f"/v1/contracts/{k['id']}"))["installments"][0]
    assert (view["status"], view["invoiced_amount"]) == ("invoiced", "300000.00")
    await payment(api, c["id"], amount="100000.00")
    detail = ok(await api.get(f"/v1/contracts/{k['id']}"))
    view = detail["installments"][0]
    assert (view["status"], view["collected_amount"], view["outstanding"]) == (
        "partially_paid",
        "100000.00",
        "200000.00",
    )
    assert detail["totals"] == {
        "invoiced": "300000.00",
        "collected": "100000.00",
        "written_off": "0.00",
        "outstanding": "900000.00",
        "overdue": "600000.00",
    }
    assert detail["progress"] == {"invoiced_percent": "30.00", "collected_percent": "10.00"}
    await payment(api, c["id"], amount="200000.00")
    view = ok(await api.get(f"/v1/contracts/{k['id']}"))["installments"][0]
    assert (view["status"], view["overdue"], view["days_overdue"]) == ("paid", False, 0)

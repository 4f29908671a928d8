"""Invoices over HTTP: issue, list, installment cap, actions and their rules."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.receivables import contract, count_rows, customer, events, invoice, ok, payment

UNKNOWN = "01900000-0000-7000-8000-000000000000"


async def test_issue_get_and_invoice_created(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    c = await customer(api)
    created = await invoice(api, c["id"], external_id="FP-0001")
    assert (created["status"], created["outstanding"], created["overdue"]) == (
        "open",
        "1000.00",
        True,
    )
    assert created["days_overdue"] == 27
    assert created["late_fee_accrued"] is None
    fetched = await api.get(f"/v1/invoices/{created['id']}")
    assert fetched.json() == created
    assert fetched.headers["etag"] == '"1"'
    (event,) = await events(db, "invoice.")
    assert (event["type"], event["data"]["object"]) == ("invoice.created", created)


async def test_bad_invoices_are_refused_and_change_nothing(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    usd = await customer(api, name="Acme", currency="USD")
    k = await contract(api, c["id"])
    await invoice(api, c["id"], external_id="FP-1")
    base = {
        "customer_id": c["id"],
        "amount": "10.00",
        "currency": "CNY",
        "issued_on": "2026-10-01",
        "due_date": "2026-10-31",
    }
    cases = {
        "unknown customer": ({"customer_id": UNKNOWN}, 422),
        "unknown contract": ({"contract_id": UNKNOWN}, 422),
        "unknown installment": ({"installment_id": UNKNOWN}, 422),
        "duplicate number": ({"external_id": "FP-1"}, 409),
        "zero": ({"amount": "0"}, 422),
        "negative": ({"amount": "-1"}, 422),
        "three decimals": ({"amount": "1.001"}, 422),
        "due before issue": ({"due_date": "2026-09-30"}, 422),
        "contract of someone else": ({"customer_id": usd["id"], "contract_id": k["id"]}, 422),
        "contract currency": ({"currency": "USD", "contract_id": k["id"]}, 422),
        "due before signing": (
            {"contract_id": k["id"], "issued_on": "2026-01-01", "due_date": "2026-01-05"},
            422,
        ),
        "unknown field": ({"colour": "red"}, 422),
    }
    for name, (change, expected) in cases.items():
        answer = await api.post("/v1/invoices", json={**base, **change})
        assert answer.status_code == expected, (name, answer.text)
    assert await count_rows(db, "invoices") == 1
    assert len(await events(db, "invoice.")) == 1


async def test_an_invoice_may_not_exceed_what_its_installment_has_uninvoiced(
    api: httpx.AsyncClient,
) -> None:
    c = await customer(api)
    k = await contract(api, c["id"])
    signing = k["installments"][0]
    link = {"installment_id": signing["id"], "issued_on": "2026-01-20", "due_date": "2026-02-01"}
    await invoice(api, c["id"], amount="200000.00", **link)
    too_much = await api.post(
        "/v1/invoices",
        json={"customer_id": c["id"], "currency": "CNY", "amount": "100000.01", **link},
    )
    assert too_much.status_code == 422
    assert "100000.00" in too_much.json()["detail"]
    rest = await invoice(api, c["id"], amount="100000.00", **link)
    ok(await api.post(f"/v1/invoices/{rest['id']}/void", json={"reason": "开错"}))
    again = await invoice(api, c["id"], amount="100000.00", **link)  # voided room is free again
    assert again["installment_id"] == signing["id"]


async def test_list_filters(api: httpx.AsyncClient) -> None:
    c, other = await customer(api), await customer(api, name="其他")
    k = await contract(api, c["id"])
    late = await invoice(api, c["id"], external_id="A", due_date="2026-11-01")
    future = await invoice(api, c["id"], due_date="2026-12-31", contract_id=k["id"])
    theirs = await invoice(api, other["id"], due_date="2026-11-26")
    paid = await invoice(api, c["id"], amount="5.00", due_date="2026-11-02")
    await payment(
        api, c["id"], amount="5.00", allocations=[{"invoice_id": paid["id"], "amount": "5"}]
    )

    async def ids(**params: str) -> list[str]:
        return [i["id"] for i in ok(await api.get("/v1/invoices", params=params))["data"]]

    assert await ids(customer_id=c["id"]) == [late["id"], future["id"], paid["id"]]
    assert await ids(contract_id=k["id"]) == [future["id"]]
    assert await ids(status="paid") == [paid["id"]]
    assert await ids(overdue="true") == [late["id"], theirs["id"]]
    assert await ids(overdue="false", customer_id=c["id"]) == [future["id"], paid["id"]]
    assert await ids(due_before="2026-11-26") == [late["id"], paid["id"]]
    assert await ids(external_id="A") == [late["id"]]
    assert (await api.get("/v1/invoices", params={"status": "weird"})).status_code == 422


async def test_void_rules(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    c = await customer(api)
    bill = await invoice(api, c["id"])
    voided = ok(await api.post(f"/v1/invoices/{bill['id']}/void", json={"reason": "重复开票"}))
    assert (voided["status"], voided["outstanding"], voided["void_reason"]) == (
        "void",
        "0.00",
        "重复开票",
    )
    assert (await api.post(f"/v1/invoices/{bill['id']}/void")).status_code == 409
    (event,) = await events(db, "invoice.voided")
    assert event["data"]["changes"]["status"] == {"from": "open", "to": "void"}

    part = await invoice(api, c["id"])
    await payment(api, c["id"], amount="1.00")
    allocated = await api.post(f"/v1/invoices/{part['id']}/void")
    assert allocated.status_code == 409
    assert "allocated" in allocated.json()["detail"]
    full = await invoice(api, c["id"], amount="2.00")
    await payment(
        api, c["id"], amount="2.00", allocations=[{"invoice_id": full["id"], "amount": "2"}]
    )
    assert (await api.post(f"/v1/invoices/{full['id']}/void")).status_code == 409
    assert (await api.post(f"/v1/invoices/{UNKNOWN}/void")).status_code == 404
    assert ok(await api.get(f"/v1/invoices/{full['id']}"))["status"] == "paid"


async def test_dispute_resolve_write_off_hold_release(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    bill = await invoice(api, c["id"])
    url = f"/v1/invoices/{bill['id']}"
    disputed = ok(await api.post(f"{url}/dispute", json={"reason": "数量不符"}))
    assert (disputed["disputed"], disputed["dispute_reason"]) == (True, "数量不符")
    assert (await api.post(f"{url}/dispute", json={"reason": "again"})).status_code == 409
    assert (await api.post(f"{url}/dispute", json={})).status_code == 422
    resolved = ok(await api.post(f"{url}/resolve-dispute", json={"note": "已核对"}))
    assert resolved["disputed"] is False
    assert (await api.post(f"{url}/resolve-dispute")).status_code == 409

    held = ok(await api.post(f"{url}/hold", json={"reason": "等待验收", "until": "2026-12-15"}))
    assert (held["on_hold"], held["hold"]) == (True, {"reason": "等待验收", "until": "2026-12-15"})
    past = await api.post(f"{url}/hold", json={"reason": "x", "until": "2026-11-26"})
    assert past.status_code == 422
    released = ok(await api.post(f"{url}/release"))
    assert (released["on_hold"], released["hold"]) == (False, None)
    assert (await api.post(f"{url}/release")).status_code == 409

    await payment(api, c["id"], amount="300.00")
    stale = await api.post(
        f"{url}/write-off", json={"reason": "客户破产"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    written = ok(await api.post(f"{url}/write-off", json={"reason": "客户破产"}))
    assert (
        written["status"],
        written["amount_paid"],
        written["written_off_amount"],
        written["outstanding"],
    ) == ("written_off", "300.00", "700.00", "0.00")
    assert (await api.post(f"{url}/write-off", json={"reason": "again"})).status_code == 409
    assert (
        await api.post(f"{url}/hold", json={"reason": "x", "until": "2026-12-01"})
    ).status_code == 409
    kinds = [(e["type"], e["data"].get("action")) for e in await events(db, "invoice.")]
    assert kinds == [
        ("invoice.created", None),
        ("invoice.disputed", "dispute"),
        ("invoice.updated", "resolve_dispute"),
        ("invoice.updated", "hold"),
        ("invoice.updated", "release"),
        ("invoice.updated", "write_off"),
    ]


async def test_late_fee_accrues_daily_on_the_overdue_outstanding(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    k = await contract(api, c["id"], late_fee_rate="0.0005", installments=[])
    bill = await invoice(
        api, c["id"], contract_id=k["id"], amount="10000.00", due_date="2026-11-17"
    )
    assert bill["late_fee_accrued"] == "50.00"  # 10000 x 0.0005 x 10 days
    await payment(api, c["id"], amount="4000.00")
    assert ok(await api.get(f"/v1/invoices/{bill['id']}"))["late_fee_accrued"] == "30.00"


async def test_patch_corrects_an_open_invoice(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    c = await customer(api)
    bill = await invoice(api, c["id"])
    await payment(api, c["id"], amount="600.00")
    below = await api.patch(f"/v1/invoices/{bill['id']}", json={"amount": "599.99"})
    assert below.status_code == 422
    fixed = ok(
        await api.patch(
            f"/v1/invoices/{bill['id']}",
            json={"amount": "800.00", "due_date": "2026-12-31"},
            headers={"If-Match": '"2"'},
        )
    )
    assert (fixed["amount"], fixed["outstanding"], fixed["overdue"], fixed["version"]) == (
        "800.00",
        "200.00",
        False,
        3,
    )
    (event,) = await events(db, "invoice.updated")
    assert event["data"]["changes"]["amount"] == {"from": "1000.00", "to": "800.00"}


async def test_customer_detail_shows_outstanding_and_overdue_per_currency(
    api: httpx.AsyncClient,
) -> None:
    c = await customer(api)
    await invoice(api, c["id"], amount="1000.00", due_date="2026-11-01")
    await invoice(api, c["id"], amount="500.00", due_date="2026-12-31")
    await invoice(api, c["id"], amount="90000", currency="JPY", due_date="2026-11-26")
    await payment(api, c["id"], amount="200.00")
    detail = ok(await api.get(f"/v1/customers/{c['id']}"))
    assert detail["balances"] == [
        {"currency": "CNY", "outstanding": "1300.00", "overdue": "800.00"},
        {"currency": "JPY", "outstanding": "90000", "overdue": "90000"},
    ]
    listed = ok(await api.get("/v1/customers"))["data"][0]
    assert "balances" not in listed


async def test_raising_a_linked_invoice_past_its_installment_is_refused(
    api: httpx.AsyncClient,
) -> None:
    c = await customer(api)
    k = await contract(api, c["id"])
    signing = k["installments"][0]
    bill = await invoice(
        api,
        c["id"],
        installment_id=signing["id"],
        amount="250000.00",
        issued_on="2026-01-20",
        due_date="2026-02-01",
    )
    url = f"/v1/invoices/{bill['id']}"
    assert (await api.patch(url, json={"amount": "300000.01"})).status_code == 422
    assert ok(await api.patch(url, json={"amount": "300000.00"}))["amount"] == "300000.00"
    early = await api.patch(url, json={"due_date": "2026-01-05", "issued_on": "2026-01-01"})
    assert early.status_code == 422  # before the contract was signed

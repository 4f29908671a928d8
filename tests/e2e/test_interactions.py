"""Interactions and promises to pay over HTTP: kept, partially kept, still open; bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.services.platform import Platform
from tests.e2e.collection import interaction
from tests.e2e.receivables import count_rows, customer, events, invoice, ok, payment

MISSING = "0190a4f2-0000-7000-8000-000000000000"


def promise(amount: str = "1000.00", on: str = "2026-12-05", **extra: Any) -> dict[str, Any]:
    return {"amount": amount, "currency": "CNY", "promised_date": on, **extra}


async def test_record_an_interaction_with_a_promise(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    created = await api.post(
        "/v1/interactions",
        json={
            "customer_id": c["id"],
            "channel": "meeting",
            "occurred_at": "2026-11-27T15:30:00+08:00",
            "summary": "拜访财务总监",
            "outcome": "答应月底前付一半",
            "promise": promise("500"),
        },
        headers={"X-Actor": "u-collector"},
    )
    i = ok(created, 201)
    assert created.headers["location"] == f"/v1/interactions/{i['id']}"
    assert i["occurred_at"] == "2026-11-27T07:30:00Z"
    assert i["recorded_by"]["user"] == "u-collector"
    p = i["promise"]
    assert (p["amount"], p["status"], p["paid_amount"], p["made_on"]) == (
        "500.00",
        "open",
        "0.00",
        "2026-11-27",
    )
    assert ok(await api.get(f"/v1/interactions/{i['id']}")) == i
    got = ok(await api.get(f"/v1/promises/{p['id']}"))
    assert got == p
    types = [(e["type"], e["subject"]) for e in await events(db, "") if "customer" not in e["type"]]
    assert types == [
        ("interaction.created", f"interactions/{i['id']}"),
        ("promise.created", f"promises/{p['id']}"),
    ]


async def test_allocated_payments_keep_a_promise_in_time(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    await invoice(api, c["id"], amount="1000.00")
    i = await interaction(api, c["id"], promise=promise())
    promise_id = i["promise"]["id"]
    first = await payment(api, c["id"], amount="400.00", received_on="2026-11-28")
    partly = ok(await api.get(f"/v1/promises/{promise_id}"))
    assert (partly["status"], partly["paid_amount"], partly["remaining"]) == (
        "partially_kept",
        "400.00",
        "600.00",
    )
    await payment(api, c["id"], amount="600.00", received_on="2026-12-05")
    kept = ok(await api.get(f"/v1/promises/{promise_id}"))
    assert (kept["status"], kept["paid_amount"]) == ("kept", "1000.00")
    assert kept["kept_at"] is not None
    got = await events(db, "promise.kept")
    assert [e["data"]["object"]["status"] for e in got] == ["partially_kept", "kept"]
    assert got[0]["data"]["payment_id"] == first["id"]
    assert got[-1]["data"]["object"] == kept


async def test_payments_after_the_deadline_or_before_the_promise_do_not_count(
    api: httpx.AsyncClient,
) -> None:
    c = await customer(api)
    await invoice(api, c["id"], amount="3000.00")
    early = await payment(api, c["id"], amount="500.00", received_on="2026-11-20", allocations=[])
    i = await interaction(api, c["id"], promise=promise())
    ok(await api.post(f"/v1/payments/{early['id']}/allocations", json={}))  # received before
    await payment(api, c["id"], amount="1000.00", received_on="2026-12-06")  # a day late
    await payment(api, c["id"], amount="1000.00", received_on="2026-11-28", allocations=[])
    p = ok(await api.get(f"/v1/promises/{i['promise']['id']}"))
    assert (p["status"], p["paid_amount"]) == ("open", "0.00")


async def test_grace_days_extend_the_deadline(api: httpx.AsyncClient, platform: Platform) -> None:
    platform.promise_grace_days = 2
    c = await customer(api)
    await invoice(api, c["id"], amount="1000.00")
    i = await interaction(api, c["id"], promise=promise())
    await payment(api, c["id"], amount="1000.00", received_on="2026-12-07")
    assert ok(await api.get(f"/v1/promises/{i['promise']['id']}"))["status"] == "kept"


async def test_a_promise_for_an_invoice_counts_only_that_invoice(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    older = await invoice(api, c["id"], amount="1000.00", due_date="2026-10-15")
    named = await invoice(api, c["id"], amount="1000.00")
    i = await interaction(
        api, c["id"], invoice_id=named["id"], promise=promise("1000.00", on="2026-12-31")
    )
    await payment(api, c["id"], amount="1000.00", received_on="2026-11-28")  # pays the older
    promise_url = f"/v1/promises/{i['promise']['id']}"
    assert ok(await api.get(promise_url))["status"] == "open"
    await payment(
        api,
        c["id"],
        amount="1000.00",
        received_on="2026-11-29",
        allocations=[{"invoice_id": named["id"], "amount": "1000.00"}],
    )
    assert ok(await api.get(promise_url))["status"] == "kept"
    assert ok(await api.get(f"/v1/invoices/{older['id']}"))["status"] == "paid"


async def test_list_filters(api: httpx.AsyncClient) -> None:
    c, other = await customer(api), await customer(api, name="乙方")
    bill = await invoice(api, c["id"])
    plain = await interaction(api, c["id"])
    promised = await interaction(api, c["id"], invoice_id=bill["id"], promise=promise())
    theirs = await interaction(api, other["id"], promise=promise(on="2027-01-10"))

    async def ids(url: str, **query: str) -> list[str]:
        return [x["id"] for x in ok(await api.get(url, params=query))["data"]]

    assert await ids("/v1/interactions", customer_id=c["id"]) == [plain["id"], promised["id"]]
    assert await ids("/v1/interactions", invoice_id=bill["id"]) == [promised["id"]]
    both = [promised["promise"]["id"], theirs["promise"]["id"]]
    assert await ids("/v1/promises") == both
    assert await ids("/v1/promises", customer_id=other["id"]) == both[1:]
    assert await ids("/v1/promises", invoice_id=bill["id"]) == both[:1]
    assert await ids("/v1/promises", status="open", due_before="2026-12-31") == both[:1]
    assert await ids("/v1/promises", status="kept") == []
    assert (await api.get(f"/v1/promises/{MISSING}")).status_code == 404
    assert (await api.get(f"/v1/interactions/{MISSING}")).status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "loc"),
    [
        ({"promise": promise(on="2026-11-26")}, 422, "promised_date"),
        ({"promise": {**promise(), "currency": "JPY", "amount": "1000"}}, 422, "currency"),
        ({"promise": promise("0")}, 422, "amount"),
        ({"promise": promise("-1")}, 422, "amount"),
        ({"promise": promise("1.001")}, 422, "amount"),
        ({"customer_id": MISSING}, 422, "customer_id"),
        ({"invoice_id": MISSING}, 422, "invoice_id"),
        ({"channel": "pigeon"}, 422, "channel"),
        ({"occurred_at": "2026-11-27T07:30:00"}, 422, "occurred_at"),
        ({"occurred_at": "2026-12-27T07:30:00Z"}, 422, "occurred_at"),
        ({"summary": ""}, 422, "summary"),
    ],
)
async def test_bad_interactions_change_nothing(
    api: httpx.AsyncClient, db: AsyncEngine, body: dict[str, Any], status: int, loc: str
) -> None:
    c = await customer(api, name="甲方")
    await invoice(api, c["id"], currency="USD", amount="10.00")
    payload = {
        "customer_id": c["id"],
        "channel": "phone",
        "occurred_at": "2026-11-27T07:30:00Z",
        "summary": "电话",
        **body,
    }
    response = await api.post("/v1/interactions", json=payload)
    assert response.status_code == status, response.text
    assert loc in str(response.json()["errors"])
    assert await count_rows(db, "interactions") == 0
    assert await count_rows(db, "promises") == 0


async def test_a_promise_follows_the_customers_invoice_currencies(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    await invoice(api, c["id"], currency="USD", amount="10.00")
    usd = await interaction(
        api, c["id"], promise={"amount": "10", "currency": "USD", "promised_date": "2026-12-01"}
    )
    assert usd["promise"]["currency"] == "USD"
    bill = await invoice(api, c["id"], amount="10.00")
    wrong = await api.post(
        "/v1/interactions",
        json={
            "customer_id": c["id"],
            "invoice_id": bill["id"],
            "channel": "email",
            "occurred_at": "2026-11-27T07:30:00Z",
            "summary": "邮件",
            "promise": {"amount": "10", "currency": "USD", "promised_date": "2026-12-01"},
        },
    )
    assert wrong.status_code == 422


async def test_no_promise_for_a_paid_invoice(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    bill = await invoice(api, c["id"], amount="10.00")
    await payment(api, c["id"], amount="10.00")
    response = await api.post(
        "/v1/interactions",
        json={
            "customer_id": c["id"],
            "invoice_id": bill["id"],
            "channel": "im",
            "occurred_at": "2026-11-27T07:30:00Z",
            "summary": "微信",
            "promise": promise("10"),
        },
    )
    assert response.status_code == 409

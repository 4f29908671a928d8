"""Out of order over HTTP: parked events, what they wait for, and their release."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.ingest_http import ingest, listed, one
from tests.e2e.receivables import customer as rest_customer
from tests.e2e.receivables import events, ok
from tests.e2e.receivables import payment as rest_payment
from tests.ingest_events import customer, event, invoice, payment


async def test_payment_before_invoice_before_customer(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    paid = event("payment.received", payment(invoice_external_ids=["FP-1"]))
    billed = event("invoice.issued", invoice())
    assert await ingest(api, paid) == ["parked"]
    assert await ingest(api, billed) == ["parked"]
    parked = await listed(api, status="parked")
    assert [(p["event_id"], p["waits_for"]) for p in parked] == [
        (
            paid["id"],
            [
                {"kind": "customer", "external_id": "C-1"},
                {"kind": "invoice", "external_id": "FP-1"},
            ],
        ),
        (billed["id"], [{"kind": "customer", "external_id": "C-1"}]),
    ]
    assert parked[0]["subject"] == {"kind": "payment", "external_id": "P-1"}
    assert await ingest(api, event("customer.upserted", customer())) == ["accepted"]
    assert await listed(api, status="parked") == []
    applied = {p["event_id"]: p for p in await listed(api, status="applied")}
    assert set(applied) >= {paid["id"], billed["id"]}
    assert applied[paid["id"]]["applied_at"] is not None
    received = await one(api, "/v1/payments", "P-1")
    bill = await one(api, "/v1/invoices", "FP-1")
    assert [a["invoice_id"] for a in received["allocations"]] == [bill["id"]]
    assert bill["status"] == "paid"
    types = [e["type"] for e in await events(db)]
    assert types.index("customer.created") < types.index("invoice.created")
    assert types.index("invoice.created") < types.index("payment.received")


async def test_a_record_created_by_the_rest_api_releases_what_waits_for_it(
    api: httpx.AsyncClient,
) -> None:
    await ingest(api, event("customer.upserted", customer()))
    c = await one(api, "/v1/customers", "C-1")
    reversal = event("payment.reversed", {"external_id": "BANK-1", "reason": "退票"})
    assert await ingest(api, reversal) == ["parked"]
    made = await rest_payment(api, c["id"], external_id="BANK-1", allocations=[])
    assert (await one(api, "/v1/payments", "BANK-1"))["status"] == "reversed"
    assert made["status"] == "unallocated"  # the REST answer shows the payment it made
    (row,) = await listed(api, event_id=reversal["id"])
    assert row["status"] == "applied"
    waiting = event("invoice.issued", invoice("FP-5", "C-NEW"))
    assert await ingest(api, waiting) == ["parked"]
    await rest_customer(api, external_id="C-NEW")
    assert (await one(api, "/v1/invoices", "FP-5"))["amount"] == "100.00"
    renamed = event("invoice.issued", invoice("FP-6", "C-LATER"))
    assert await ingest(api, renamed) == ["parked"]
    other = await rest_customer(api)
    ok(await api.patch(f"/v1/customers/{other['id']}", json={"external_id": "C-LATER"}))
    assert (await one(api, "/v1/invoices", "FP-6"))["customer_id"] == other["id"]


async def test_a_stale_update_is_accepted_noted_and_changes_nothing(api: httpx.AsyncClient) -> None:
    await ingest(api, [event("customer.upserted", customer()), event("invoice.issued", invoice())])
    newer = event("invoice.updated", invoice(amount="300.00"), occurred_at="2026-11-27T10:00:00Z")
    older = event("invoice.updated", invoice(amount="200.00"), occurred_at="2026-11-27T09:00:00Z")
    assert await ingest(api, newer) == ["accepted"]
    assert await ingest(api, older) == ["accepted"]
    assert (await one(api, "/v1/invoices", "FP-1"))["amount"] == "300.00"
    (row,) = await listed(api, event_id=older["id"])
    assert row["status"] == "applied"
    assert row["note"].startswith("stale: an event about invoice:FP-1 that occurred at")


async def test_a_released_event_that_breaks_a_rule_is_rejected_then(
    api: httpx.AsyncClient,
) -> None:
    over = event(
        "invoice.issued", invoice("FP-9", contract_external_id="HT-9", installment_name="尾款")
    )
    assert await ingest(api, over) == ["parked"]
    contract = {
        "external_id": "HT-9",
        "customer_external_id": "C-1",
        "name": "项目",
        "amount": "100.00",
        "currency": "CNY",
        "owner": "u-1",
        "signed_on": "2026-01-01",
        "installments": [],
    }
    statuses = await ingest(
        api, [event("customer.upserted", customer()), event("contract.upserted", contract)]
    )
    assert statuses == ["accepted", "accepted"]
    (row,) = await listed(api, event_id=over["id"])
    assert row["status"] == "rejected"
    assert row["problem"]["status"] == 422
    assert "no installment named" in row["problem"]["detail"]
    assert await listed(api, status="rejected", source="erp-test") == [row]


async def test_the_list_filters_and_pages(api: httpx.AsyncClient) -> None:
    await ingest(api, [event("customer.upserted", customer(f"C-{n}")) for n in range(5)])
    await ingest(api, event("customer.upserted", customer("X"), source="crm"))
    assert len(await listed(api, source="erp-test")) == 5
    assert [r["source"] for r in await listed(api, source="crm")] == ["crm"]
    assert len(await listed(api, type="customer.upserted")) == 6
    first = ok(await api.get("/v1/ingest/events", params={"limit": 4}))
    second = ok(
        await api.get("/v1/ingest/events", params={"limit": 4, "cursor": first["next_cursor"]})
    )
    assert len(first["data"]) + len(second["data"]) == 6
    assert second["next_cursor"] is None
    assert (await api.get("/v1/ingest/events", params={"status": "waiting"})).status_code == 422

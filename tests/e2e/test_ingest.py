"""POST /v1/ingest/events over HTTP: every type, both envelope forms, the events it emits."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.ingest_http import URL, ingest, one
from tests.e2e.receivables import count_rows, events, ok
from tests.ingest_events import cloud_event, contract, customer, event, invoice, payment


async def test_customer_upserted_creates_then_updates_only_what_it_names(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    created = event("customer.upserted", customer(credit_rating="B", payment_terms_days=45))
    assert await ingest(api, created) == ["accepted"]
    first = await one(api, "/v1/customers", "C-1")
    assert (first["credit_rating"], first["payment_terms_days"]) == ("B", 45)
    renamed = event("customer.upserted", {"external_id": "C-1", "name": "新名字"})
    assert await ingest(api, renamed) == ["accepted"]
    second = await one(api, "/v1/customers", "C-1")
    assert (second["name"], second["credit_rating"], second["version"]) == ("新名字", "B", 2)
    assert [e["type"] for e in await events(db, "customer.")] == [
        "customer.created",
        "customer.updated",
    ]
    assert (await events(db, "customer.updated"))[0]["data"]["actor"]["api_key"] == "bootstrap"


async def test_contract_upserted_creates_and_replaces_the_plan(api: httpx.AsyncClient) -> None:
    await ingest(api, event("customer.upserted", customer()))
    assert await ingest(api, event("contract.upserted", contract())) == ["accepted"]
    made = await one(api, "/v1/contracts", "HT-1")
    assert [i["amount"] for i in made["installments"]] == ["300.00", "700.00"]
    plan = [
        {"name": "签约款", "due_date": "2026-02-01", "amount": "300.00"},
        {"name": "交付款", "due_date": "2026-06-30", "amount": "500.00"},
        {"name": "验收款", "due_date": "2026-12-31", "amount": "400.00"},
    ]
    bigger = event("contract.upserted", contract(amount="1200.00", installments=plan))
    assert await ingest(api, bigger) == ["accepted"]
    changed = await one(api, "/v1/contracts", "HT-1")
    assert changed["amount"] == "1200.00"
    assert [i["name"] for i in changed["installments"]] == ["签约款", "交付款", "验收款"]
    assert changed["installments"][0]["id"] == made["installments"][0]["id"]


async def test_invoices_are_issued_updated_and_voided(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    await ingest(
        api,
        {
            "events": [
                event("customer.upserted", customer()),
                event("contract.upserted", contract()),
            ]
        },
    )
    issued = invoice(contract_external_id="HT-1", installment_name="签约款", amount="300.00")
    assert await ingest(api, event("invoice.issued", issued)) == ["accepted"]
    bill = await one(api, "/v1/invoices", "FP-1")
    assert bill["installment_id"] is not None
    later = event(
        "invoice.updated",
        invoice(amount="250.00", due_date="2026-11-15"),
        occurred_at="2026-11-27T09:00:00Z",
    )
    assert await ingest(api, later) == ["accepted"]
    bill = await one(api, "/v1/invoices", "FP-1")
    assert (bill["amount"], bill["due_date"]) == ("250.00", "2026-11-15")
    assert await ingest(
        api, event("invoice.voided", {"external_id": "FP-1", "reason": "红冲"})
    ) == ["accepted"]
    assert (await one(api, "/v1/invoices", "FP-1"))["status"] == "void"
    assert [e["type"] for e in await events(db, "invoice.")] == [
        "invoice.created",
        "invoice.updated",
        "invoice.voided",
    ]


async def test_a_payment_is_allocated_and_emits_what_the_rest_api_emits(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    await ingest(
        api,
        [
            event("customer.upserted", customer()),
            event("invoice.issued", invoice("FP-1", due_date="2026-10-31")),
            event("invoice.issued", invoice("FP-2", due_date="2026-10-15")),
        ],
    )
    paid = payment(amount="150.00", invoice_external_ids=["FP-1"], method="bank_transfer")
    assert await ingest(api, event("payment.received", paid)) == ["accepted"]
    received = await one(api, "/v1/payments", "P-1")
    fp1, fp2 = await one(api, "/v1/invoices", "FP-1"), await one(api, "/v1/invoices", "FP-2")
    assert [(a["invoice_id"], a["amount"]) for a in received["allocations"]] == [
        (fp1["id"], "100.00"),
        (fp2["id"], "50.00"),
    ]
    assert [e["type"] for e in await events(db, "payment.")] == ["payment.received"]
    (event_data,) = [e["data"] for e in await events(db, "payment.received")]
    assert event_data["object"] == received
    assert [(i["external_id"], i["status"]) for i in event_data["invoices"]] == [
        ("FP-1", "paid"),
        ("FP-2", "partially_paid"),
    ]
    assert [e["subject"] for e in await events(db, "invoice.paid")] == [f"invoices/{fp1['id']}"]
    reversed_ = event("payment.reversed", {"external_id": "P-1", "reason": "退票"})
    assert await ingest(api, reversed_) == ["accepted"]
    assert (await one(api, "/v1/payments", "P-1"))["status"] == "reversed"
    assert (await one(api, "/v1/invoices", "FP-1"))["amount_paid"] == "0.00"
    assert await count_rows(db, "payments") == 1


async def test_cloudevents_one_or_a_batch(api: httpx.AsyncClient) -> None:
    single = cloud_event("customer.upserted", customer("C-7"))
    assert await ingest(api, single, "application/cloudevents+json") == ["accepted"]
    batch = [
        cloud_event("customer.upserted", customer("C-8")),
        cloud_event("invoice.issued", invoice("FP-8", "C-8")),
    ]
    assert await ingest(api, batch, "application/cloudevents-batch+json") == [
        "accepted",
        "accepted",
    ]
    assert (await one(api, "/v1/invoices", "FP-8"))["amount"] == "100.00"
    mixed = {
        "events": [
            cloud_event("customer.upserted", customer("C-9")),
            event("customer.upserted", customer("C-10")),
        ]
    }
    assert await ingest(api, mixed) == ["accepted", "accepted"]


async def test_exact_json_numbers_keep_every_digit(api: httpx.AsyncClient) -> None:
    raw = (
        '{"id": "n-1", "source": "erp", "type": "customer.upserted", '
        '"occurred_at": "2026-11-27T08:00:00Z", "data": {"external_id": "C-1", "name": "甲", '
        '"currency": "CNY", "credit_limit": 1234.50}}'
    )
    response = await api.post(URL, content=raw, headers={"Content-Type": "application/json"})
    assert ok(response)["results"] == [{"id": "n-1", "status": "accepted"}]
    assert (await one(api, "/v1/customers", "C-1"))["credit_limit"] == "1234.50"
    listed = ok(await api.get(URL, params={"event_id": "n-1"}))["data"]
    assert listed[0]["event"]["data"]["credit_limit"] == "1234.50"

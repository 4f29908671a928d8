"""Payment terms: an invoice created without a due date is due issued_on plus the terms of
its contract, else of its customer; with neither, 422 naming due_date."""

from __future__ import annotations

import httpx

from tests.e2e.ingest_http import ingest, listed, one
from tests.e2e.receivables import contract, customer, ok
from tests.ingest_events import contract as contract_data
from tests.ingest_events import customer as customer_data
from tests.ingest_events import event
from tests.ingest_events import invoice as invoice_data


def bill(customer_id: str, **body: str) -> dict[str, str]:
    return {
        "customer_id": customer_id,
        "amount": "100.00",
        "currency": "CNY",
        "issued_on": "2026-10-01",
        **body,
    }


async def test_the_contract_s_terms_then_the_customer_s(api: httpx.AsyncClient) -> None:
    buyer = await customer(api, payment_terms_days=20)
    k = await contract(api, buyer["id"], payment_terms_days=45)
    assert k["payment_terms_days"] == 45
    by_contract = ok(
        await api.post("/v1/invoices", json=bill(buyer["id"], contract_id=k["id"])), 201
    )
    assert by_contract["due_date"] == "2026-11-15"
    by_customer = ok(await api.post("/v1/invoices", json=bill(buyer["id"])), 201)
    assert by_customer["due_date"] == "2026-10-21"
    given = ok(await api.post("/v1/invoices", json=bill(buyer["id"], due_date="2026-12-01")), 201)
    assert given["due_date"] == "2026-12-01"
    plain = await contract(api, buyer["id"], external_id="HT-2")
    assert plain["payment_terms_days"] is None
    fallback = ok(
        await api.post("/v1/invoices", json=bill(buyer["id"], contract_id=plain["id"])), 201
    )
    assert fallback["due_date"] == "2026-10-21"


async def test_no_terms_anywhere_is_422_naming_due_date(api: httpx.AsyncClient) -> None:
    buyer = await customer(api, payment_terms_days=None)
    assert buyer["payment_terms_days"] is None
    answer = await api.post("/v1/invoices", json=bill(buyer["id"]))
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["loc"] == ["due_date"]
    k = await contract(api, buyer["id"], payment_terms_days=10)
    made = ok(await api.post("/v1/invoices", json=bill(buyer["id"], contract_id=k["id"])), 201)
    assert made["due_date"] == "2026-10-11"
    patched = ok(await api.patch(f"/v1/customers/{buyer['id']}", json={"payment_terms_days": 15}))
    assert patched["payment_terms_days"] == 15
    cleared = ok(await api.patch(f"/v1/customers/{buyer['id']}", json={"payment_terms_days": None}))
    assert cleared["payment_terms_days"] is None


async def test_ingested_invoices_use_the_terms_too(api: httpx.AsyncClient) -> None:
    await ingest(api, event("customer.upserted", customer_data(payment_terms_days=30)))
    await ingest(api, event("contract.upserted", contract_data(payment_terms_days=60)))
    no_due = invoice_data()
    del no_due["due_date"]
    assert await ingest(api, event("invoice.issued", no_due)) == ["accepted"]
    assert (await one(api, "/v1/invoices", "FP-1"))["due_date"] == "2026-10-31"
    on_contract = {**no_due, "external_id": "FP-2", "contract_external_id": "HT-1"}
    assert await ingest(api, event("invoice.issued", on_contract)) == ["accepted"]
    assert (await one(api, "/v1/invoices", "FP-2"))["due_date"] == "2026-11-30"
    # An update without a due date keeps the one the invoice has.
    assert await ingest(api, event("invoice.updated", {**no_due, "amount": "90.00"})) == [
        "accepted"
    ]
    updated = await one(api, "/v1/invoices", "FP-1")
    assert (updated["amount"], updated["due_date"]) == ("90.00", "2026-10-31")
    assert len(await listed(api)) == 5


async def test_a_batch_mixes_dated_invoices_and_invoices_due_by_terms(
    api: httpx.AsyncClient,
) -> None:
    await ingest(api, event("customer.upserted", customer_data(payment_terms_days=20)))
    dated = [invoice_data(f"FP-D{n}") for n in range(3)]
    by_terms = invoice_data("FP-T")
    del by_terms["due_date"]
    batch = [event("invoice.issued", d) for d in (*dated[:2], by_terms, dated[2])]
    assert await ingest(api, batch) == ["accepted"] * 4
    assert (await one(api, "/v1/invoices", "FP-T"))["due_date"] == "2026-10-21"
    assert (await one(api, "/v1/invoices", "FP-D2"))["due_date"] == "2026-10-31"

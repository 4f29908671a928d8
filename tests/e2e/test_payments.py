"""Payments over HTTP: automatic and explicit allocation, undo, reverse, money rules."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.receivables import contract, count_rows, customer, events, invoice, ok, payment

UNKNOWN = "01900000-0000-7000-8000-000000000000"


async def test_automatic_allocation_order_and_events(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    oldest = await invoice(api, c["id"], external_id="FP-1", due_date="2026-10-01")
    newer = await invoice(api, c["id"], external_id="FP-2", due_date="2026-10-15")
    named = await invoice(api, c["id"], external_id="FP-3", due_date="2026-12-31")
    dollars = await invoice(
        api, c["id"], currency="USD", issued_on="2026-08-01", due_date="2026-09-01"
    )
    paid = await payment(
        api, c["id"], amount="2500.00", reference="付 FP-3 发票款", method="bank_transfer"
    )
    assert [(a["invoice_id"], a["amount"]) for a in paid["allocations"]] == [
        (named["id"], "1000.00"),
        (oldest["id"], "1000.00"),
        (newer["id"], "500.00"),
    ]
    assert (paid["status"], paid["allocated_amount"], paid["unallocated_amount"]) == (
        "allocated",
        "2500.00",
        "0.00",
    )
    assert ok(await api.get(f"/v1/invoices/{newer['id']}"))["status"] == "partially_paid"
    assert ok(await api.get(f"/v1/invoices/{dollars['id']}"))["amount_paid"] == "0.00"
    assert ok(await api.get(f"/v1/payments/{paid['id']}")) == paid

    # One event: the payment with its allocations, and what they changed on each invoice.
    emitted = [(e["type"], e["subject"]) for e in await events(db, "payment.")]
    assert emitted == [("payment.received", f"payments/{paid['id']}")]
    (received,) = await events(db, "payment.received")
    assert received["data"]["object"] == paid
    assert [
        (i["id"], i["status"], i["amount_paid"], i["outstanding"])
        for i in received["data"]["invoices"]
    ] == [
        (named["id"], "paid", "1000.00", "0.00"),
        (oldest["id"], "paid", "1000.00", "0.00"),
        (newer["id"], "partially_paid", "500.00", "500.00"),
    ]
    assert [e["subject"] for e in await events(db, "invoice.paid")] == [
        f"invoices/{named['id']}",
        f"invoices/{oldest['id']}",
    ]


async def test_what_is_left_stays_unallocated_and_can_be_allocated_later(
    api: httpx.AsyncClient,
) -> None:
    c = await customer(api)
    first = await invoice(api, c["id"], amount="100.00")
    paid = await payment(api, c["id"], amount="250.00")
    assert (paid["status"], paid["unallocated_amount"]) == ("partially_allocated", "150.00")
    unallocated = await payment(api, c["id"], amount="50.00", allocations=[])
    assert (unallocated["status"], unallocated["allocations"]) == ("unallocated", [])

    later = await invoice(api, c["id"], amount="120.00")
    more = ok(await api.post(f"/v1/payments/{paid['id']}/allocations"))
    assert [(a["invoice_id"], a["amount"]) for a in more["allocations"]] == [
        (first["id"], "100.00"),
        (later["id"], "120.00"),
    ]
    assert more["unallocated_amount"] == "30.00"
    explicit = ok(await api.post(f"/v1/payments/{unallocated['id']}/allocations", json={}))
    assert explicit["allocated_amount"] == "0.00"  # nothing left open to pay
    nothing = await api.post(f"/v1/payments/{UNKNOWN}/allocations")
    assert nothing.status_code == 404


async def test_explicit_allocations_and_their_rules(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c, other = await customer(api), await customer(api, name="其他")
    a = await invoice(api, c["id"], amount="100.00")
    b = await invoice(api, c["id"], amount="100.00", issued_on="2026-08-01", due_date="2026-09-01")
    usd = await invoice(api, c["id"], amount="100.00", currency="USD")
    theirs = await invoice(api, other["id"], amount="100.00")
    void = await invoice(api, c["id"], amount="100.00")
    ok(await api.post(f"/v1/invoices/{void['id']}/void"))
    paid = await payment(
        api, c["id"], amount="150.00", allocations=[{"invoice_id": a["id"], "amount": "80"}]
    )
    assert [(x["invoice_id"], x["amount"]) for x in paid["allocations"]] == [(a["id"], "80.00")]
    assert ok(await api.get(f"/v1/invoices/{b['id']}"))["amount_paid"] == "0.00"

    base = {"customer_id": c["id"], "currency": "CNY", "received_on": "2026-11-20"}

    def pay(invoice_id: str, amount: str) -> dict[str, str]:
        return {"invoice_id": invoice_id, "amount": amount}

    cases = {
        "currency mismatch": ("150", [pay(usd["id"], "10")], 422),
        "more than outstanding": ("150", [pay(a["id"], "20.01")], 422),
        "more than the payment": ("110", [pay(a["id"], "20"), pay(b["id"], "100")], 422),
        "listed twice": ("150", [pay(b["id"], "1"), pay(b["id"], "1")], 422),
        "someone else's invoice": ("150", [pay(theirs["id"], "1")], 422),
        "void invoice": ("150", [pay(void["id"], "1")], 409),
        "unknown invoice": ("150", [pay(UNKNOWN, "1")], 422),
        "zero": ("150", [pay(b["id"], "0")], 422),
        "fits": ("150", [pay(b["id"], "100"), pay(a["id"], "20")], 201),
    }
    for name, (amount, allocations, expected) in cases.items():
        body = {**base, "amount": amount, "allocations": allocations}
        answer = await api.post("/v1/payments", json=body)
        assert answer.status_code == expected, (name, answer.text)
    assert ok(await api.get(f"/v1/invoices/{a['id']}"))["amount_paid"] == "100.00"
    assert ok(await api.get(f"/v1/invoices/{b['id']}"))["amount_paid"] == "100.00"
    assert await count_rows(db, "payments") == 2
    assert len(await events(db, "payment.received")) == 2


async def test_money_rules_for_payments(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    c = await customer(api)
    base = {"customer_id": c["id"], "currency": "CNY", "received_on": "2026-11-20"}
    for amount, currency in [
        ("0", "CNY"),
        ("0.00", "CNY"),
        ("-5", "CNY"),
        ("10.001", "CNY"),
        ("100.5", "JPY"),
        ("1", "XXX"),
    ]:
        answer = await api.post(
            "/v1/payments", json={**base, "amount": amount, "currency": currency}
        )
        assert answer.status_code == 422, (amount, currency, answer.text)
    exact = await api.post(
        "/v1/payments",
        content=f'{{"customer_id": "{c["id"]}", "currency": "JPY", "received_on": "2026-11-20", '
        '"amount": 1200}',
        headers={"Content-Type": "application/json"},
    )
    assert exact.status_code == 201
    assert exact.json()["amount"] == "1200"
    unknown = await api.post("/v1/payments", json={**base, "amount": "1", "customer_id": UNKNOWN})
    assert unknown.status_code == 422
    await payment(api, c["id"], external_id="BANK-1")
    duplicate = await api.post(
        "/v1/payments", json={**base, "amount": "1", "external_id": "BANK-1"}
    )
    assert duplicate.status_code == 409
    assert await count_rows(db, "payments") == 2


async def test_undo_one_allocation_reopens_the_invoice(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    bill = await invoice(api, c["id"], amount="100.00")
    other = await invoice(api, c["id"], amount="100.00")
    paid = await payment(api, c["id"], amount="200.00")
    assert ok(await api.get(f"/v1/invoices/{bill['id']}"))["status"] == "paid"
    allocation = paid["allocations"][0]
    undone = ok(await api.delete(f"/v1/payments/{paid['id']}/allocations/{allocation['id']}"))
    assert (undone["allocated_amount"], undone["unallocated_amount"], undone["status"]) == (
        "100.00",
        "100.00",
        "partially_allocated",
    )
    kept = undone["allocations"][0]
    assert (kept["id"], kept["undone_reason"], kept["undone_at"]) == (
        allocation["id"],
        "undone",
        "2026-11-27T08:00:00Z",
    )
    assert ok(await api.get(f"/v1/invoices/{bill['id']}"))["status"] == "open"
    assert ok(await api.get(f"/v1/invoices/{other['id']}"))["status"] == "paid"
    again = await api.delete(f"/v1/payments/{paid['id']}/allocations/{allocation['id']}")
    assert again.status_code == 409
    missing = await api.delete(f"/v1/payments/{paid['id']}/allocations/{UNKNOWN}")
    assert missing.status_code == 404
    (event,) = await events(db, "payment.unallocated")
    assert event["data"]["allocation"]["id"] == allocation["id"]
    assert event["data"]["invoice"]["status"] == "open"
    assert event["data"]["object"] == undone


async def test_reverse_undoes_everything_and_blocks_further_allocation(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    first = await invoice(api, c["id"], amount="100.00")
    second = await invoice(api, c["id"], amount="100.00")
    paid = await payment(api, c["id"], amount="150.00")
    reversed_ = ok(await api.post(f"/v1/payments/{paid['id']}/reverse", json={"reason": "退票"}))
    assert (
        reversed_["status"],
        reversed_["allocated_amount"],
        reversed_["unallocated_amount"],
    ) == (
        "reversed",
        "0.00",
        "0.00",
    )
    assert {a["undone_reason"] for a in reversed_["allocations"]} == {"reversed"}
    for bill in (first, second):
        assert ok(await api.get(f"/v1/invoices/{bill['id']}"))["status"] == "open"
    assert (await api.post(f"/v1/payments/{paid['id']}/reverse")).status_code == 409
    assert (await api.post(f"/v1/payments/{paid['id']}/allocations")).status_code == 409
    explicit = await api.post(
        f"/v1/payments/{paid['id']}/allocations",
        json={"allocations": [{"invoice_id": first["id"], "amount": "1"}]},
    )
    assert explicit.status_code == 409
    (event,) = await events(db, "payment.reversed")
    assert event["data"]["reason"] == "退票"
    assert {i["id"] for i in event["data"]["invoices"]} == {first["id"], second["id"]}
    listed = ok(await api.get("/v1/payments", params={"status": "reversed"}))
    assert [p["id"] for p in listed["data"]] == [paid["id"]]


async def test_installment_paid_is_emitted_once_when_its_invoices_are_paid(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    k = await contract(api, c["id"])
    signing = k["installments"][0]
    link = {"installment_id": signing["id"], "issued_on": "2026-01-20", "due_date": "2026-02-01"}
    one = await invoice(api, c["id"], amount="100000.00", **link)
    two = await invoice(api, c["id"], amount="200000.00", **link)
    await payment(
        api,
        c["id"],
        amount="100000.00",
        allocations=[{"invoice_id": one["id"], "amount": "100000"}],
    )
    assert await events(db, "installment.paid") == []
    await payment(
        api,
        c["id"],
        amount="200000.00",
        allocations=[{"invoice_id": two["id"], "amount": "200000"}],
    )
    (event,) = await events(db, "installment.paid")
    assert event["subject"] == f"installments/{signing['id']}"
    assert (event["data"]["object"]["status"], event["data"]["object"]["collected_amount"]) == (
        "paid",
        "300000.00",
    )


async def test_payment_lists_filter_and_page(api: httpx.AsyncClient) -> None:
    c, other = await customer(api), await customer(api, name="其他")
    first = await payment(api, c["id"], external_id="B-1")
    second = await payment(api, c["id"])
    await payment(api, other["id"])
    page = ok(await api.get("/v1/payments", params={"customer_id": c["id"], "limit": 1}))
    assert [p["id"] for p in page["data"]] == [first["id"]]
    rest = ok(
        await api.get(
            "/v1/payments", params={"customer_id": c["id"], "cursor": page["next_cursor"]}
        )
    )
    assert [p["id"] for p in rest["data"]] == [second["id"]]
    assert [
        p["id"] for p in ok(await api.get("/v1/payments", params={"external_id": "B-1"}))["data"]
    ] == [first["id"]]
    assert (await api.get(f"/v1/payments/{UNKNOWN}")).status_code == 404


async def test_a_retried_payment_with_its_idempotency_key_is_recorded_once(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    await invoice(api, c["id"], amount="100.00")
    body = {
        "customer_id": c["id"],
        "amount": "80.00",
        "currency": "CNY",
        "received_on": "2026-11-20",
    }
    headers = {"Idempotency-Key": "bank-file-7-line-3"}
    first = await api.post("/v1/payments", json=body, headers=headers)
    again = await api.post("/v1/payments", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert await count_rows(db, "payments") == 1
    assert await count_rows(db, "payment_allocations") == 1

"""Batches and concurrency: 1,000 mixed events, copies racing each other."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.ingest_http import ingest, listed, post_events
from tests.e2e.receivables import count_rows, ok
from tests.ingest_events import customer, event, invoice, payment


def mixed_batch() -> tuple[list[dict[str, Any]], list[str]]:
    """1,000 events, good and bad, and the status each one should get."""
    events: list[dict[str, Any]] = []
    expected: list[str] = []
    for n in range(200):
        events.append(event("customer.upserted", customer(f"C-{n}")))
        expected.append("accepted")
    for n in range(200):
        events.append(event("invoice.issued", invoice(f"FP-{n}", f"C-{n}", amount="500.00")))
        expected.append("accepted")
    for n in range(150):
        events.append(event("payment.received", payment(f"P-{n}", f"C-{n}")))
        expected.append("accepted")
    for n in range(100):
        events.append(event("invoice.issued", invoice(f"FP-X-{n}", f"C-UNKNOWN-{n}")))
        expected.append("parked")
    for n in range(100):
        events.append(event("payment.received", payment(f"P-BAD-{n}", f"C-{n}", amount="1.001")))
        expected.append("rejected")
    for n in range(100):
        events.append({"id": f"junk-{n}", "source": "erp-test", "type": "order.created"})
        expected.append("rejected")
    for n in range(50):
        events.append(event("customer.upserted", customer(f"C-NEW-{n}", credit_limit="0.001")))
        expected.append("rejected")
    for n in range(100):
        events.append(events[n])  # copies within the batch
        expected.append("duplicate")
    return events, expected


async def test_a_batch_of_1000_mixed_events(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    events, expected = mixed_batch()
    assert len(events) == 1000
    response = await post_events(api, {"events": events})
    results = ok(response)["results"]
    assert [r["status"] for r in results] == expected
    assert [r["id"] for r in results] == [e.get("id") for e in events]
    rejected = [r for r in results if r["status"] == "rejected"]
    assert all(r["problem"]["status"] in {409, 422} for r in rejected)
    assert await count_rows(db, "customers") == 200
    assert await count_rows(db, "invoices") == 200
    assert await count_rows(db, "payments") == 150
    assert await count_rows(db, "payment_allocations") == 150
    assert len(await listed(api, limit="500", status="parked")) == 100
    # The invalid ones are kept too, so that a resend reads as a duplicate.
    assert len(await listed(api, limit="500", status="rejected")) == 250
    again = await ingest(api, {"events": events[:10] + events[-10:]})
    assert again == ["duplicate"] * 20


async def test_copies_posted_at_the_same_moment_apply_once(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    await ingest(api, [event("customer.upserted", customer()), event("invoice.issued", invoice())])
    copy = event("payment.received", payment(amount="40.00"))
    responses = await asyncio.gather(*(post_events(api, copy) for _ in range(10)))
    statuses = sorted(ok(r)["results"][0]["status"] for r in responses)
    assert statuses == ["accepted"] + ["duplicate"] * 9
    assert await count_rows(db, "payments") == 1
    assert await count_rows(db, "payment_allocations") == 1
    (paid,) = await listed(api, event_id=copy["id"])
    assert paid["status"] == "applied"


async def test_overlapping_batches_racing_each_other_apply_every_event_once(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    customers = [event("customer.upserted", customer(f"C-{n}")) for n in range(20)]
    bills = [event("invoice.issued", invoice(f"FP-{n}", f"C-{n}")) for n in range(20)]
    assert set(await ingest(api, customers + bills)) == {"accepted"}
    payments = [
        event("payment.received", payment(f"P-{n}", f"C-{n % 20}", amount="10.00"))
        for n in range(60)
    ]
    batches = [payments[0:40], payments[20:60], list(reversed(payments[10:50]))]
    responses = await asyncio.gather(*(post_events(api, {"events": b}) for b in batches))
    accepted: Counter[str] = Counter()
    for response in responses:
        for result in ok(response)["results"]:
            accepted[result["id"]] += result["status"] == "accepted"
    assert set(accepted.values()) == {1}
    assert len(accepted) == 60
    assert await count_rows(db, "payments") == 60
    async with db.connect() as conn:
        paid = (await conn.execute(text("SELECT sum(amount_paid) FROM invoices"))).scalar()
    assert paid == 600

"""Allocation invariants under 50 concurrent requests on a real PostgreSQL.

Requests go through the whole app (auth, routing, use cases, repositories) concurrently
on one event loop, each on its own database connection. None may fail (a deadlock would
surface as a 500), and afterwards every running total must equal the sum of the active
allocations behind it, never past the amount.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.receivables import customer, invoice, payment

CONCURRENT = 50

INVOICE_DRIFT = text(
    """
    SELECT i.id, i.amount, i.amount_paid, coalesce(sum(a.amount), 0) AS allocated
    FROM invoices i
    LEFT JOIN payment_allocations a ON a.invoice_id = i.id AND a.undone_at IS NULL
    GROUP BY i.id
    HAVING i.amount_paid <> coalesce(sum(a.amount), 0) OR i.amount_paid > i.amount
    """
)
PAYMENT_DRIFT = text(
    """
    SELECT p.id FROM payments p
    LEFT JOIN payment_allocations a ON a.payment_id = p.id AND a.undone_at IS NULL
    GROUP BY p.id
    HAVING p.allocated_amount <> coalesce(sum(a.amount), 0) OR p.allocated_amount > p.amount
    """
)


async def assert_ledgers_consistent(db: AsyncEngine) -> None:
    async with db.connect() as conn:
        assert (await conn.execute(INVOICE_DRIFT)).all() == []
        assert (await conn.execute(PAYMENT_DRIFT)).all() == []


async def total_paid(db: AsyncEngine) -> str:
    async with db.connect() as conn:
        value = (await conn.execute(text("SELECT sum(amount_paid) FROM invoices"))).scalar_one()
    return f"{value:.2f}"


async def gather(*requests: Any) -> list[httpx.Response]:
    return list(await asyncio.gather(*requests))


async def test_fifty_automatic_payments_against_three_invoices(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    for n in range(3):
        await invoice(api, c["id"], amount="1000.00", due_date=f"2026-10-{10 + n}")
    body = {
        "customer_id": c["id"],
        "amount": "100.00",
        "currency": "CNY",
        "received_on": "2026-11-20",
    }
    answers = await gather(*(api.post("/v1/payments", json=body) for _ in range(CONCURRENT)))
    assert [a.status_code for a in answers] == [201] * CONCURRENT, [
        a.text for a in answers if a.status_code != 201
    ]
    allocated = sorted(a.json()["allocated_amount"] for a in answers)
    assert allocated.count("100.00") == 30
    assert allocated.count("0.00") == 20
    assert await total_paid(db) == "3000.00"
    await assert_ledgers_consistent(db)


async def test_fifty_explicit_payments_locking_invoices_in_opposite_orders(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    bills = [(await invoice(api, c["id"], amount="1000.00"))["id"] for _ in range(3)]

    def body(n: int) -> dict[str, Any]:
        order = bills if n % 2 else list(reversed(bills))
        return {
            "customer_id": c["id"],
            "amount": "30.00",
            "currency": "CNY",
            "received_on": "2026-11-20",
            "allocations": [{"invoice_id": i, "amount": "10.00"} for i in order],
        }

    answers = await gather(*(api.post("/v1/payments", json=body(n)) for n in range(CONCURRENT)))
    assert [a.status_code for a in answers] == [201] * CONCURRENT
    assert await total_paid(db) == "1500.00"
    await assert_ledgers_consistent(db)


async def test_overdrawing_explicit_allocations_are_refused_not_overallocated(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    bill = await invoice(api, c["id"], amount="1000.00")
    body = {
        "customer_id": c["id"],
        "amount": "70.00",
        "currency": "CNY",
        "received_on": "2026-11-20",
        "allocations": [{"invoice_id": bill["id"], "amount": "70.00"}],
    }
    answers = await gather(*(api.post("/v1/payments", json=body) for _ in range(CONCURRENT)))
    codes = [a.status_code for a in answers]
    assert codes.count(201) == 14  # 14 x 70 = 980; a 15th would pass 1000
    assert codes.count(422) == CONCURRENT - 14
    assert await total_paid(db) == "980.00"
    await assert_ledgers_consistent(db)


async def test_reversals_undos_and_new_payments_mixed(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    for n in range(4):
        await invoice(api, c["id"], amount="500.00", due_date=f"2026-10-{10 + n}")
    earlier = [await payment(api, c["id"], amount="60.00") for _ in range(20)]
    requests = [api.post(f"/v1/payments/{p['id']}/reverse") for p in earlier[:10]]
    requests += [
        api.delete(f"/v1/payments/{p['id']}/allocations/{p['allocations'][0]['id']}")
        for p in earlier[10:20]
    ]
    body = {
        "customer_id": c["id"],
        "amount": "45.00",
        "currency": "CNY",
        "received_on": "2026-11-21",
    }
    requests += [api.post("/v1/payments", json=body) for _ in range(CONCURRENT - 20)]
    answers = await gather(*requests)
    assert all(a.status_code in (200, 201) for a in answers), [
        a.text for a in answers if a.status_code not in (200, 201)
    ]
    await assert_ledgers_consistent(db)
    later = [await api.post(f"/v1/payments/{p['id']}/allocations") for p in earlier[10:20]]
    assert all(a.status_code == 200 for a in later)
    await assert_ledgers_consistent(db)


async def test_invoice_actions_racing_payments_never_fail_or_overallocate(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    bills = [
        (await invoice(api, c["id"], amount="300.00", due_date=f"2026-10-{10 + n}"))["id"]
        for n in range(10)
    ]
    body = {
        "customer_id": c["id"],
        "amount": "70.00",
        "currency": "CNY",
        "received_on": "2026-11-21",
    }
    requests = [api.post("/v1/payments", json=body) for _ in range(30)]
    for n, bill in enumerate(bills):
        if n % 3 == 0:
            requests.append(api.post(f"/v1/invoices/{bill}/write-off", json={"reason": "坏账"}))
        elif n % 3 == 1:
            requests.append(api.post(f"/v1/invoices/{bill}/dispute", json={"reason": "有异议"}))
        else:
            requests.append(api.post(f"/v1/invoices/{bill}/void"))
        requests.append(
            api.post(f"/v1/invoices/{bill}/hold", json={"reason": "等待", "until": "2026-12-31"})
        )
    answers = await gather(*requests)
    # 409 is a legitimate answer here (voiding an invoice a payment got to first, holding a
    # written-off one); a deadlock or an over-allocation would be a 500.
    assert all(a.status_code in (200, 201, 409) for a in answers), [
        a.text for a in answers if a.status_code not in (200, 201, 409)
    ]
    assert sum(a.status_code == 201 for a in answers) == 30
    await assert_ledgers_consistent(db)
    async with db.connect() as conn:
        void_with_money = (
            await conn.execute(
                text("SELECT count(*) FROM invoices WHERE status = 'void' AND amount_paid > 0")
            )
        ).scalar_one()
    assert void_with_money == 0

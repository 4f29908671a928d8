"""The raw asyncpg baseline of ``bench/ingest.py``: the rows the service writes for a
``payment.received`` event (ingest record, payment, allocation to the customer's oldest
open invoice, invoice total, the outbox event of the service's shape and size), written
by hand in one transaction per event or per batch."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

INSERT_INGEST = """
INSERT INTO ingest_events (id, source, event_id, type, subject, occurred_at, received_at,
                           status, payload, sent_by, applied_at)
VALUES ($1, 'bench-raw', $2, 'payment.received', $3, now(), now(), 'applied', $4::jsonb,
        'bench', now())
ON CONFLICT (source, event_id) DO NOTHING RETURNING id
"""
LOCK_CUSTOMER = "SELECT id FROM customers WHERE external_id = $1 FOR NO KEY UPDATE"
PICK_INVOICE = """
SELECT id, outstanding FROM invoices
WHERE customer_id = $1 AND currency = 'CNY' AND status IN ('open', 'partially_paid')
ORDER BY due_date, issued_on, id LIMIT 1 FOR NO KEY UPDATE
"""
INSERT_PAYMENT = """
INSERT INTO payments (id, customer_id, external_id, amount, currency, allocated_amount,
                      received_on, method, version, created_at, updated_at)
VALUES ($1, $2, $3, $4, 'CNY', $5, $6, 'bank_transfer', 1, now(), now())
"""
INSERT_ALLOCATION = """
INSERT INTO payment_allocations (id, payment_id, invoice_id, amount, currency, received_on,
                                 created_at, created_by)
VALUES ($1, $2, $3, $4, 'CNY', $5, now(), 'bench')
"""
ADD_PAID = """
UPDATE invoices SET amount_paid = amount_paid + $2, version = version + 1, updated_at = now()
WHERE id = $1
"""
INSERT_EVENT = """
INSERT INTO outbox_events (id, type, source, subject, time, data)
VALUES ($1, $2, '/huikuan', $3, now(), $4::jsonb)
"""


def _documents(
    payment_id: uuid.UUID,
    customer_id: uuid.UUID,
    invoice_id: uuid.UUID,
    data: dict[str, Any],
    now: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The payment's document and its invoice's figures, of the service's shape and size,
    so that the baseline's outbox rows weigh what the service's do."""
    allocation = {
        "id": str(uuid.uuid4()),
        "payment_id": str(payment_id),
        "invoice_id": str(invoice_id),
        "amount": data["amount"],
        "created_at": now,
        "undone_at": None,
        "undone_reason": None,
    }
    payment = {
        "id": str(payment_id),
        "external_id": data["external_id"],
        "customer_id": str(customer_id),
        "amount": data["amount"],
        "currency": data["currency"],
        "received_on": data["received_on"],
        "method": data.get("method"),
        "reference": data.get("reference"),
        "status": "allocated",
        "allocated_amount": data["amount"],
        "unallocated_amount": "0.00",
        "allocations": [allocation],
        "reversed_at": None,
        "reversal_reason": None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    invoice = {
        "id": str(invoice_id),
        "external_id": None,
        "status": "partially_paid",
        "amount_paid": data["amount"],
        "outstanding": "999990.00",
        "version": 2,
    }
    return payment, invoice


def outbox_rows(
    payment_id: uuid.UUID, customer_id: uuid.UUID, invoice_id: uuid.UUID, data: dict[str, Any]
) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC).isoformat()
    payment, invoice = _documents(payment_id, customer_id, invoice_id, data, now)
    actor = {"api_key": "bench", "user": None}
    received = json.dumps({"object": payment, "invoices": [invoice], "actor": actor})
    return [(uuid.uuid4(), "payment.received", f"payments/{payment_id}", received)]


async def raw_event(conn: asyncpg.Connection, event: dict[str, Any]) -> None:
    data = event["data"]
    payment_id, amount = uuid.uuid4(), Decimal(data["amount"])
    subject = f"payment:{data['external_id']}"
    await conn.fetchval(INSERT_INGEST, uuid.uuid4(), event["id"], subject, json.dumps(event))
    customer_id = await conn.fetchval(LOCK_CUSTOMER, data["customer_external_id"])
    invoice = await conn.fetchrow(PICK_INVOICE, customer_id)
    received_on = date.fromisoformat(data["received_on"])
    await conn.execute(
        INSERT_PAYMENT, payment_id, customer_id, data["external_id"], amount, amount, received_on
    )
    await conn.execute(
        INSERT_ALLOCATION, uuid.uuid4(), payment_id, invoice["id"], amount, received_on
    )
    await conn.execute(ADD_PAID, invoice["id"], amount)
    await conn.executemany(INSERT_EVENT, outbox_rows(payment_id, customer_id, invoice["id"], data))


async def raw_batch(conn: asyncpg.Connection, events: Sequence[dict[str, Any]]) -> None:
    """The same rows for many events, one executemany per kind of statement."""
    customers = dict(
        await conn.fetch(
            "SELECT external_id, id FROM customers WHERE external_id = ANY($1::text[]) "
            "ORDER BY id FOR NO KEY UPDATE",
            sorted({e["data"]["customer_external_id"] for e in events}),
        )
    )
    open_rows = await conn.fetch(
        "SELECT id, customer_id, outstanding FROM invoices WHERE customer_id = ANY($1::uuid[]) "
        "AND status IN ('open', 'partially_paid') ORDER BY id FOR NO KEY UPDATE",
        list(customers.values()),
    )
    oldest = {r["customer_id"]: r["id"] for r in reversed(open_rows)}
    ingest, payments, allocations, paid, outbox = [], [], [], [], []
    for event in events:
        data = event["data"]
        payment_id, amount = uuid.uuid4(), Decimal(data["amount"])
        customer_id = customers[data["customer_external_id"]]
        invoice_id = oldest[customer_id]
        received_on = date.fromisoformat(data["received_on"])
        subject = f"payment:{data['external_id']}"
        ingest.append((uuid.uuid4(), event["id"], subject, json.dumps(event)))
        payments.append((payment_id, customer_id, data["external_id"], amount, amount, received_on))
        allocations.append((uuid.uuid4(), payment_id, invoice_id, amount, received_on))
        paid.append((invoice_id, amount))
        outbox.extend(outbox_rows(payment_id, customer_id, invoice_id, data))
    await conn.executemany(INSERT_INGEST.replace(" RETURNING id", ""), ingest)
    await conn.executemany(INSERT_PAYMENT, payments)
    await conn.executemany(INSERT_ALLOCATION, allocations)
    await conn.executemany(ADD_PAID, paid)
    await conn.executemany(INSERT_EVENT, outbox)


async def seed_raw(pool: asyncpg.Pool, customers: int, invoices_per_customer: int) -> None:
    """Customers ``raw-C-<n>``, each with its open invoices."""
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO customers (id, external_id, name, currency, payment_terms_days, "
            "version, created_at, updated_at) SELECT gen_random_uuid(), 'raw-C-' || n, "
            "'raw', 'CNY', 30, 1, now(), now() FROM generate_series(0, $1 - 1) AS n",
            customers,
        )
        await conn.execute(
            "INSERT INTO invoices (id, customer_id, amount, currency, issued_on, due_date, "
            "version, created_at, updated_at) SELECT gen_random_uuid(), c.id, 1000000, "
            "'CNY', DATE '2026-01-01', DATE '2026-02-01' + k, 1, now(), now() "
            "FROM customers AS c, generate_series(0, $1 - 1) AS k "
            "WHERE c.external_id LIKE 'raw-C-%'",
            invoices_per_customer,
        )


async def raw_single(pool: asyncpg.Pool, events: list[dict[str, Any]], clients: int) -> float:
    """Events per second, one transaction per event, ``clients`` connections at a time."""
    count = len(events)

    async def worker() -> None:
        async with pool.acquire() as conn:
            while events:
                event = events.pop()
                async with conn.transaction():
                    await raw_event(conn, event)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return count / (time.perf_counter() - started)


async def raw_batched(pool: asyncpg.Pool, events: Sequence[dict[str, Any]], batch: int) -> float:
    """Events per second, one transaction per ``batch`` events, one connection."""
    started = time.perf_counter()
    async with pool.acquire() as conn:
        for i in range(0, len(events), batch):
            async with conn.transaction():
                await raw_batch(conn, events[i : i + batch])
    return len(events) / (time.perf_counter() - started)

"""Benchmark: ingesting ``payment.received`` against a raw asyncpg baseline, in one run.

Runs ``huikuan serve`` on a throwaway database and measures events per second:

- single: one event per request, 16 concurrent clients (keep-alive connections);
- batched: 500 events per request, one client;

and a raw asyncpg baseline that writes the same rows (ingest record, payment, allocation
to the customer's oldest open invoice, invoice total, two outbox events carrying documents
of the service's shape and size) in one transaction per event (16 pooled connections) and
one per 500 events. The two alternate
in short rounds (service, then baseline), so that both see the same machine load; the
table shows median rates and the median of the rounds' ratios. Figures are never
asserted. The HTTP client is a minimal keep-alive HTTP/1.1 client, so that the load
generator takes as little of the CPU as possible.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
from harness import (
    BENCH_KEY,
    asyncpg_dsn,
    bench_database,
    print_table,
    running_service,
)

CUSTOMERS = 200
INVOICES_PER_CUSTOMER = 10
CLIENTS = 16
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SINGLE_EVENTS = int(os.environ.get("BENCH_SINGLE_EVENTS", "1000"))  # per round
BATCH = 500
BATCHES = int(os.environ.get("BENCH_BATCHES", "4"))  # per round
RECEIVED_ON = "2026-11-20"


class Connection:
    """A keep-alive HTTP/1.1 connection that POSTs JSON and reads the JSON answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, base: str) -> Connection:
        host, port = base.removeprefix("http://").split(":")
        return cls(*await asyncio.open_connection(host, int(port)))

    async def post(self, path: str, body: Any) -> tuple[int, Any]:
        payload = json.dumps(body).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {BENCH_KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        self.writer.write(head.encode() + payload)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), json.loads(await self.reader.readexactly(length))

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def customer_ext(prefix: str, n: int) -> str:
    return f"{prefix}-C-{n}"


def seed_events(prefix: str) -> list[dict[str, Any]]:
    stamp = datetime(2026, 11, 1, tzinfo=UTC).isoformat()
    events: list[dict[str, Any]] = []
    for n in range(CUSTOMERS):
        data = {"external_id": customer_ext(prefix, n), "name": f"客户 {n}", "currency": "CNY"}
        events.append(_event(f"{prefix}-seed-c-{n}", "customer.upserted", stamp, data))
    for n in range(CUSTOMERS):
        for k in range(INVOICES_PER_CUSTOMER):
            data = {
                "external_id": f"{prefix}-FP-{n}-{k}",
                "customer_external_id": customer_ext(prefix, n),
                "amount": "1000000.00",
                "currency": "CNY",
                "issued_on": "2026-01-01",
                "due_date": f"2026-02-{k + 1:02d}",
            }
            events.append(_event(f"{prefix}-seed-i-{n}-{k}", "invoice.issued", stamp, data))
    return events


def _event(event_id: str, type_: str, occurred_at: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": event_id,
        "source": "bench-erp",
        "type": type_,
        "occurred_at": occurred_at,
        "data": data,
    }


def payment_event(prefix: str, customers: str, n: int) -> dict[str, Any]:
    data = {
        "external_id": f"{prefix}-P-{n}",
        "customer_external_id": customer_ext(customers, n % CUSTOMERS),
        "amount": "10.00",
        "currency": "CNY",
        "received_on": RECEIVED_ON,
        "method": "bank_transfer",
    }
    return _event(f"{prefix}-p-{n}", "payment.received", datetime.now(UTC).isoformat(), data)


async def post_all(base: str, bodies: Sequence[Any], clients: int) -> tuple[float, int]:
    """Send every body (``clients`` at a time); seconds taken and results not accepted."""
    queue = list(reversed(bodies))
    errors = 0

    async def client() -> None:
        nonlocal errors
        conn = await Connection.open(base)
        try:
            while queue:
                status, answer = await conn.post("/v1/ingest/events", queue.pop())
                if status != 200:
                    errors += 1
                    continue
                errors += sum(r["status"] != "accepted" for r in answer["results"])
        finally:
            await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - started, errors


async def seed_service(base: str) -> None:
    seed = seed_events("svc")
    batches = [{"events": seed[i : i + BATCH]} for i in range(0, len(seed), BATCH)]
    _, errors = await post_all(base, batches, 1)
    assert errors == 0, f"seeding failed: {errors}"
    warm = [payment_event("warm", "svc", n) for n in range(CLIENTS * 8)]
    await post_all(base, warm, CLIENTS)  # prepares the statements on every connection


async def service_single(base: str, round_: int) -> tuple[float, int]:
    events = [payment_event(f"svc-s{round_}", "svc", n) for n in range(SINGLE_EVENTS)]
    elapsed, errors = await post_all(base, events, CLIENTS)
    return SINGLE_EVENTS / elapsed, errors


async def service_batched(base: str, round_: int) -> tuple[float, int]:
    events = [payment_event(f"svc-b{round_}", "svc", n) for n in range(BATCH * BATCHES)]
    batches = [{"events": events[i : i + BATCH]} for i in range(0, len(events), BATCH)]
    elapsed, errors = await post_all(base, batches, 1)
    return len(events) / elapsed, errors


# --- the raw asyncpg baseline --------------------------------------------------------------

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
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Payment, allocation and invoice documents of the service's shape and size, so that
    the baseline's outbox rows weigh what the service's do."""
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
        "customer_id": str(customer_id),
        "contract_id": None,
        "installment_id": None,
        "amount": "1000000.00",
        "currency": "CNY",
        "issued_on": "2026-01-01",
        "due_date": "2026-02-01",
        "status": "partially_paid",
        "amount_paid": data["amount"],
        "outstanding": "999990.00",
        "written_off_amount": "0.00",
        "overdue": True,
        "days_overdue": 299,
        "late_fee_accrued": None,
        "disputed": False,
        "dispute_reason": None,
        "disputed_at": None,
        "hold": None,
        "on_hold": False,
        "dunning_level": 0,
        "voided_at": None,
        "void_reason": None,
        "written_off_at": None,
        "write_off_reason": None,
        "version": 2,
        "created_at": now,
        "updated_at": now,
    }
    return payment, allocation, invoice


def outbox_rows(
    payment_id: uuid.UUID, customer_id: uuid.UUID, invoice_id: uuid.UUID, data: dict[str, Any]
) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC).isoformat()
    payment, allocation, invoice = _documents(payment_id, customer_id, invoice_id, data, now)
    actor = {"api_key": "bench", "user": None}
    received = json.dumps({"object": payment, "actor": actor})
    allocated = json.dumps(
        {"object": payment, "allocation": allocation, "invoice": invoice, "actor": actor}
    )
    subject = f"payments/{payment_id}"
    return [
        (uuid.uuid4(), "payment.received", subject, received),
        (uuid.uuid4(), "payment.allocated", subject, allocated),
    ]


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


async def seed_raw(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO customers (id, external_id, name, currency, payment_terms_days, "
            "version, created_at, updated_at) SELECT gen_random_uuid(), 'raw-C-' || n, "
            "'raw', 'CNY', 30, 1, now(), now() FROM generate_series(0, $1 - 1) AS n",
            CUSTOMERS,
        )
        await conn.execute(
            "INSERT INTO invoices (id, customer_id, amount, currency, issued_on, due_date, "
            "version, created_at, updated_at) SELECT gen_random_uuid(), c.id, 1000000, "
            "'CNY', DATE '2026-01-01', DATE '2026-02-01' + k, 1, now(), now() "
            "FROM customers AS c, generate_series(0, $1 - 1) AS k "
            "WHERE c.external_id LIKE 'raw-C-%'",
            INVOICES_PER_CUSTOMER,
        )
    await raw_single(pool, -1, CLIENTS * 8)  # warm-up


async def raw_single(pool: asyncpg.Pool, round_: int, count: int = SINGLE_EVENTS) -> float:
    events = [payment_event(f"raw-s{round_}", "raw", n) for n in range(count)]

    async def worker() -> None:
        async with pool.acquire() as conn:
            while events:
                event = events.pop()
                async with conn.transaction():
                    await raw_event(conn, event)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CLIENTS)))
    return count / (time.perf_counter() - started)


async def raw_batched(pool: asyncpg.Pool, round_: int) -> float:
    events = [payment_event(f"raw-b{round_}", "raw", n) for n in range(BATCH * BATCHES)]
    started = time.perf_counter()
    async with pool.acquire() as conn:
        for i in range(0, len(events), BATCH):
            async with conn.transaction():
                await raw_batch(conn, events[i : i + BATCH])
    return len(events) / (time.perf_counter() - started)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


async def main() -> None:
    single: list[tuple[float, float]] = []
    batched: list[tuple[float, float]] = []
    errors = 0
    async with bench_database("huikuan_bench_ingest") as url:
        pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=CLIENTS, max_size=CLIENTS)
        try:
            with running_service(url, HUIKUAN_INGEST_SWEEP_SECONDS="0") as base:
                await seed_service(base)
                await seed_raw(pool)
                for round_ in range(ROUNDS):
                    rate, failed = await service_single(base, round_)
                    single.append((rate, await raw_single(pool, round_)))
                    errors += failed
                for round_ in range(ROUNDS):
                    rate, failed = await service_batched(base, round_)
                    batched.append((rate, await raw_batched(pool, round_)))
                    errors += failed
        finally:
            await pool.close()
    rows = []
    for mode, pairs, goal in (
        ("single event per request", single, "0.5x"),
        (f"batches of {BATCH}", batched, "0.7x"),
    ):
        ratios = [service / raw for service, raw in pairs]
        rows.append(
            (
                mode,
                f"{median([s for s, _ in pairs]):.0f}",
                f"{median([r for _, r in pairs]):.0f}",
                f"{median(ratios):.2f}x",
                " ".join(f"{r:.2f}" for r in ratios),
                goal,
            )
        )
    print_table(
        f"payment.received ingestion: {ROUNDS} rounds of {SINGLE_EVENTS} single events "
        f"({CLIENTS} clients) and of {BATCHES} batches of {BATCH}, service then raw baseline",
        rows,
        ("mode", "service ev/s", "raw asyncpg ev/s", "ratio", "per round", "goal"),
    )
    print(f"\nevents not accepted: {errors}")


if __name__ == "__main__":
    asyncio.run(main())

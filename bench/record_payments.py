"""Benchmark: record_payment (automatic allocation, events) against raw asyncpg.

Prints payments per second for the use case through the SQL unit of work and for a
hand-written asyncpg transaction doing the same writes (payment, allocation, invoice
total, outbox event), and their ratio. Uses TEST_DATABASE_URL's server when set, else an
embedded PostgreSQL; creates and drops its own database. Never asserted anywhere.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import make_url

from app.adapters.clock import SystemClock
from app.adapters.db.engine import create_engine
from app.adapters.db.migrate import upgrade
from app.adapters.db.uow import SqlUnitOfWork
from app.adapters.embedded_pg import start_embedded_postgres
from app.adapters.ids import Uuid7Generator
from app.domain.events import Actor
from app.services.context import Context
from app.services.customers.customers import NewCustomer, create_customer
from app.services.reactions import REACTIONS
from app.services.receivables.invoices import NewInvoice, create_invoice
from app.services.receivables.payments import NewPayment, record_payment
from app.services.unit_of_work import in_transaction

PAYMENTS = 400
CONCURRENCY = 8  # all for one customer: the use case queues them on its lock


def context() -> Context:
    return Context(SystemClock(ZoneInfo("Asia/Shanghai")), Uuid7Generator(), Actor("bench"))


def dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def seed(url: str, invoices: int) -> uuid.UUID:
    engine = create_engine(url)
    ctx = context()
    customer = await in_transaction(
        SqlUnitOfWork(engine, REACTIONS), create_customer, ctx, NewCustomer("bench", "CNY")
    )
    for n in range(invoices):
        cmd = NewInvoice(
            customer.id, Decimal(100), "CNY", date(2026, 1, 1), date(2026, 1, 1 + n % 28)
        )
        await in_transaction(SqlUnitOfWork(engine, REACTIONS), create_invoice, ctx, cmd)
    await engine.dispose()
    return customer.id


async def run_use_case(url: str, customer_id: uuid.UUID, workers: int) -> float:
    engine = create_engine(url, pool_size=workers)
    ctx = context()
    queue = list(range(PAYMENTS))

    async def worker() -> None:
        while queue:
            queue.pop()
            cmd = NewPayment(customer_id, Decimal(50), "CNY", date(2026, 11, 20))
            await in_transaction(SqlUnitOfWork(engine, REACTIONS), record_payment, ctx, cmd)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return PAYMENTS / elapsed


RAW_PICK = """
SELECT id, amount - amount_paid AS open FROM invoices
WHERE customer_id = $1 AND currency = 'CNY' AND status IN ('open', 'partially_paid')
ORDER BY due_date, issued_on, id LIMIT 1 FOR NO KEY UPDATE
"""


async def run_raw(url: str, customer_id: uuid.UUID, workers: int) -> float:
    pool = await asyncpg.create_pool(dsn(url), min_size=workers, max_size=workers)
    queue = list(range(PAYMENTS))

    async def one(conn: asyncpg.Connection) -> None:
        async with conn.transaction():
            payment_id, amount = uuid.uuid4(), Decimal(50)
            row = await conn.fetchrow(RAW_PICK, customer_id)
            share = min(amount, row["open"]) if row else Decimal(0)
            await conn.execute(
                "INSERT INTO payments (id, customer_id, amount, currency, allocated_amount, "
                "received_on, version, created_at, updated_at) "
                "VALUES ($1, $2, $3, 'CNY', $4, $5, 1, now(), now())",
                payment_id,
                customer_id,
                amount,
                share,
                date(2026, 11, 20),
            )
            if row:
                await conn.execute(
                    "INSERT INTO payment_allocations (id, payment_id, invoice_id, amount, "
                    "currency, received_on, created_at, created_by) "
                    "VALUES ($1, $2, $3, $4, 'CNY', $5, now(), 'bench')",
                    uuid.uuid4(),
                    payment_id,
                    row["id"],
                    share,
                    date(2026, 11, 20),
                )
                await conn.execute(
                    "UPDATE invoices SET amount_paid = amount_paid + $2 WHERE id = $1",
                    row["id"],
                    share,
                )
            await conn.execute(
                "INSERT INTO outbox_events (id, type, source, subject, time, data) "
                "VALUES ($1, 'payment.received', '/huikuan', $2, now(), $3::jsonb)",
                uuid.uuid4(),
                f"payments/{payment_id}",
                json.dumps({"id": str(payment_id)}),
            )

    async def worker() -> None:
        async with pool.acquire() as conn:
            while queue:
                queue.pop()
                await one(conn)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return PAYMENTS / elapsed


async def main() -> None:
    server = os.environ.get("TEST_DATABASE_URL") or start_embedded_postgres(
        Path(".data") / "bench", database="postgres"
    )
    name = f"huikuan_bench_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(dsn(server))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = dsn(server, name)
    try:
        await upgrade(url)
        for open_invoices, workers in ((10, 1), (10, CONCURRENCY), (PAYMENTS, CONCURRENCY)):
            use_case = await run_use_case(url, await seed(url, open_invoices), workers)
            raw = await run_raw(url, await seed(url, open_invoices), workers)
            print(f"{PAYMENTS} payments, one customer, {open_invoices} open invoices:")
            print(f"  record_payment: {use_case:6.0f} payments/s ({workers} concurrent)")
            print(f"  raw asyncpg:    {raw:6.0f} payments/s")
            print(f"  ratio:          {use_case / raw:6.2f}x")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())

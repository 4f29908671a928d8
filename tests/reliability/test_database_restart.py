"""PostgreSQL restarts while ERP clients ingest payments with retries and Idempotency-Keys:
/readyz goes 503 then 200 by itself, the service is never restarted, and every payment is
held exactly once with nothing allocated beyond an invoice's or a payment's amount."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.reliability.conftest import FAST, Figure, client
from tests.reliability.ingest_client import push
from tests.reliability.processes import OwnPostgres, ServiceProcess, own_postgres

PAYMENTS = 240
CLIENTS = 8


def ev(n: str, type_: str, data: dict[str, object]) -> dict[str, object]:
    return {
        "id": n,
        "source": "erp",
        "type": type_,
        "occurred_at": "2026-11-20T08:00:00Z",
        "data": data,
    }


@pytest.fixture
def postgres() -> Iterator[OwnPostgres]:
    with own_postgres() as server:
        yield server


async def wait_for_readiness(base_url: str, status: int, timeout_s: float = 60) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as probe:
        while True:
            with contextlib.suppress(httpx.TransportError):
                if (await probe.get("/readyz")).status_code == status:
                    return
            assert loop.time() < deadline, f"/readyz never answered {status}"
            await asyncio.sleep(0.1)


async def test_a_database_restart_loses_nothing_and_duplicates_nothing(
    postgres: OwnPostgres, tmp_path: Path, figure: Figure
) -> None:
    service = ServiceProcess(
        "serve",
        {**FAST, "DATABASE_URL": postgres.url, "HUIKUAN_SCHEDULER_ENABLED": "false"},
        tmp_path / "serve.log",
    ).start()
    try:
        async with client(service.base_url) as api:
            await push(
                api,
                ev(
                    "c-1",
                    "customer.upserted",
                    {"external_id": "C-1", "name": "华东客户", "currency": "CNY"},
                ),
            )
            for i in range(20):
                await push(
                    api,
                    ev(
                        f"i-{i}",
                        "invoice.issued",
                        {
                            "external_id": f"FP-{i:03}",
                            "customer_external_id": "C-1",
                            "amount": "1000.00",
                            "currency": "CNY",
                            "issued_on": "2026-10-01",
                            "due_date": f"2026-11-{i + 1:02}",
                        },
                    ),
                )
            payments = [
                ev(
                    f"p-{n}",
                    "payment.received",
                    {
                        "external_id": f"BANK-{n}",
                        "customer_external_id": "C-1",
                        "amount": "75.00",
                        "currency": "CNY",
                        "received_on": "2026-11-20",
                    },
                )
                for n in range(PAYMENTS)
            ]
            queue: asyncio.Queue[dict[str, object]] = asyncio.Queue()
            for payment in payments:
                queue.put_nowait(payment)
            done: list[str] = []

            async def worker() -> None:
                while not queue.empty():
                    done.append(await push(api, queue.get_nowait()))

            clients = [asyncio.create_task(worker()) for _ in range(CLIENTS)]
            while len(done) < PAYMENTS // 3:
                await asyncio.sleep(0.05)
            postgres.stop()
            stopped = time.monotonic()
            await wait_for_readiness(service.base_url, 503)
            not_ready = time.monotonic() - stopped
            await asyncio.sleep(2)
            postgres.start()
            started = time.monotonic()
            await wait_for_readiness(service.base_url, 200)
            ready = time.monotonic() - started
            await asyncio.gather(*clients)
        assert service.process is not None
        assert service.process.poll() is None  # never restarted
        assert set(done) <= {"accepted", "duplicate"}
        assert len(done) == PAYMENTS
    finally:
        service.stop()

    conn = await asyncpg.connect(postgres.url)
    try:
        external_ids = await conn.fetch("SELECT external_id FROM payments")
        assert sorted(r[0] for r in external_ids) == sorted(f"BANK-{n}" for n in range(PAYMENTS))
        over_invoice = await conn.fetchval(
            "SELECT count(*) FROM invoices i WHERE i.amount_paid > i.amount OR i.amount_paid <> "
            "(SELECT coalesce(sum(a.amount), 0) FROM payment_allocations a "
            " WHERE a.invoice_id = i.id AND a.undone_at IS NULL)"
        )
        over_payment = await conn.fetchval(
            "SELECT count(*) FROM payments p WHERE p.allocated_amount > p.amount OR "
            "p.allocated_amount <> (SELECT coalesce(sum(a.amount), 0) FROM payment_allocations a "
            " WHERE a.payment_id = p.id AND a.undone_at IS NULL)"
        )
        assert over_invoice == 0
        assert over_payment == 0
        assert await conn.fetchval("SELECT sum(amount_paid) FROM invoices") == 75 * PAYMENTS
        figure(
            f"/readyz 503 {not_ready:.1f} s after the stop, 200 {ready:.1f} s after the start; "
            f"{PAYMENTS} payments held once ({done.count('duplicate')} resends answered "
            "duplicate), nothing over-allocated"
        )
    finally:
        await conn.close()

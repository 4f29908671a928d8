"""Benchmark: a customer statement of 50,000 lines as JSON and as PDF.

Seeds one customer with 25,000 invoices and 25,000 payments, each allocated to one invoice
(one statement line each), plus 20,000 invoices of other customers, then VACUUM ANALYZE.
Starts `huikuan serve` (scheduler and relay off) and times GET /v1/customers/{id}/statement
as JSON and as PDF over HTTP, sampling the service's resident memory while it answers,
beside a hand-written baseline in the same run: the statement's movements by one asyncpg
`fetch` (every row in memory at once), a running balance and `json.dumps` of the whole
document (time and the Python heap's peak, by tracemalloc). Prints figures; asserts nothing.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/statement.py
    BENCH_STATEMENT_LINES=2000 ...   # a smaller book while developing
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import tracemalloc
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
from harness import (
    BENCH_KEY,
    SERVICE_PIDS,
    asyncpg_dsn,
    bench_database,
    print_table,
    rss_mib,
    running_service,
)

from app.adapters.db.reporting.statements import MOVEMENTS_SQL

LINES = int(os.environ.get("BENCH_STATEMENT_LINES", "50000"))
OTHERS = 20_000
CUSTOMER = "01900000-0000-7000-8000-000000000001"
FIRST, LAST = date(2020, 1, 1), date(2026, 11, 27)

SEED = """
INSERT INTO customers (id, name, currency, payment_terms_days, version, created_at, updated_at)
SELECT ('01900000-0000-7000-8000-' || lpad(n::text, 12, '0'))::uuid,
       '华东建设集团有限公司 ' || n, 'CNY', 30, 1, now(), now()
FROM generate_series(1, 2) AS n;

INSERT INTO invoices (id, customer_id, external_id, amount, currency, amount_paid, issued_on,
                      due_date, dunning_level, version, created_at, updated_at)
SELECT ('01910000-0000-7000-8000-' || lpad(n::text, 12, '0'))::uuid,
       CASE WHEN n <= $1::int THEN $3::uuid ELSE '01900000-0000-7000-8000-000000000002'::uuid END,
       'INV-' || n, 1000 + n % 997, 'CNY', CASE WHEN n <= $1::int THEN 1000 + n % 997 ELSE 0 END,
       DATE '2020-01-01' + (n % 2500), DATE '2020-01-31' + (n % 2500), 0, 1, now(), now()
FROM generate_series(1, $1::int + $2::int) AS n;

INSERT INTO payments (id, customer_id, external_id, amount, currency, allocated_amount,
                      received_on, version, created_at, updated_at)
SELECT ('01920000-0000-7000-8000-' || lpad(n::text, 12, '0'))::uuid, $3::uuid, 'PAY-' || n,
       1000 + n % 997, 'CNY', 1000 + n % 997, DATE '2020-01-20' + (n % 2500), 1, now(), now()
FROM generate_series(1, $1::int) AS n;

INSERT INTO payment_allocations (id, payment_id, invoice_id, amount, currency, received_on,
                                 created_at, created_by)
SELECT ('01930000-0000-7000-8000-' || lpad(n::text, 12, '0'))::uuid,
       ('01920000-0000-7000-8000-' || lpad(n::text, 12, '0'))::uuid,
       ('01910000-0000-7000-8000-' || lpad(n::text, 12, '0'))::uuid,
       1000 + n % 997, 'CNY', DATE '2020-01-20' + (n % 2500), now(), 'bench'
FROM generate_series(1, $1::int) AS n;
"""


async def seed(url: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        started = time.perf_counter()
        for statement in SEED.split(";\n\n"):
            if "generate_series(1, 2)" in statement:
                await conn.execute(statement)
            elif "$2" in statement:
                await conn.execute(statement, LINES // 2, OTHERS, CUSTOMER)
            else:
                await conn.execute(statement.replace("$3::uuid", f"'{CUSTOMER}'::uuid"), LINES // 2)
        await conn.execute("VACUUM ANALYZE")
        print(f"seeded {LINES:,} statement lines in {time.perf_counter() - started:.1f} s")
    finally:
        await conn.close()


async def baseline(url: str) -> tuple[float, float, int]:
    """Every movement fetched at once, a running balance, one json.dumps."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        tracemalloc.start()
        started = time.perf_counter()
        rows = await conn.fetch(MOVEMENTS_SQL, CUSTOMER, "CNY", FIRST, LAST, "Asia/Shanghai")
        balance = Decimal(0)
        lines: list[dict[str, Any]] = []
        for row in rows:
            balance += row["debit"] - row["credit"]
            lines.append({"date": row["day"].isoformat(), "kind": row["kind"], "ref": row["ref"],
                          "debit": str(row["debit"]), "credit": str(row["credit"]),
                          "balance": str(balance)})  # fmt: skip
        body = json.dumps({"lines": lines, "closing_balance": str(balance)}, ensure_ascii=False)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        return elapsed, peak, len(body)
    finally:
        await conn.close()


class RssSampler:
    """The service's resident memory, sampled every 10 ms while a request runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self.before = rss_mib(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mib(self.pid))
            time.sleep(0.01)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


async def fetch(
    client: httpx.AsyncClient, pid: int, accept: str
) -> tuple[float, float, float, int]:
    url = f"/v1/customers/{CUSTOMER}/statement"
    params = {"from": FIRST.isoformat(), "to": LAST.isoformat()}
    with RssSampler(pid) as rss:
        started = time.perf_counter()
        size = 0
        async with client.stream("GET", url, params=params, headers={"Accept": accept}) as answer:
            answer.raise_for_status()
            async for chunk in answer.aiter_bytes():
                size += len(chunk)
        elapsed = time.perf_counter() - started
    return elapsed, rss.before, rss.peak, size


def mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


async def main() -> None:
    async with bench_database("huikuan_bench_statement") as url:
        await seed(url)
        env = {"HUIKUAN_SCHEDULER_ENABLED": "false", "HUIKUAN_RELAY_ENABLED": "false"}
        with running_service(url, **env) as base:
            pid = SERVICE_PIDS[base]
            headers = {"Authorization": f"Bearer {BENCH_KEY}"}
            async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:
                await fetch(client, pid, "application/json")  # warm up
                rows = []
                for name, accept in (("JSON", "application/json"), ("PDF", "application/pdf")):
                    elapsed, before, peak, size = await fetch(client, pid, accept)
                    memory = f"RSS {before:.0f} → {peak:.0f} MiB (+{peak - before:.0f})"
                    rows.append((f"service {name}", f"{elapsed:.2f}", memory, mib(size)))
                elapsed, heap, size = await baseline(url)
                what = "hand-written SQL, all rows, json.dumps"
                rows.append((what, f"{elapsed:.2f}", f"Python heap peak {heap:.0f} MiB", mib(size)))
        print_table(f"statement of {LINES:,} lines", rows, ("what", "seconds", "memory", "size"))


if __name__ == "__main__":
    asyncio.run(main())

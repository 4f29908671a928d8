"""Benchmark: what the audit trail costs, on the REST write path and on batched ingestion.

Two in-process applications share one throwaway database: the same composition, one
whose unit of work writes audit entries (as the service always does) and one that does
not (possible only here). They alternate in short rounds, so both see the same machine
load, and the table shows median times and the median of the rounds' ratios (with audit
÷ without). Requests go through the ASGI app in process (no sockets), so the ratio is of
the service's own work. Figures are never asserted.

- REST: ``POST /v1/customers`` then ``POST /v1/invoices`` for it, 8 concurrent clients;
- batched ingestion: ``payment.received`` in batches of 500 (a payment, its allocation,
  the invoice's total and two events each), one client.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from harness import BENCH_KEY, bench_database, print_table
from ingest import BATCH, payment_event, seed_events

from app.adapters.clock import SystemClock
from app.adapters.db.access.idempotency import SqlIdempotencyStore
from app.adapters.db.engine import create_engine
from app.adapters.db.health import DatabaseReadiness
from app.adapters.db.uow import SqlUnitOfWorkFactory
from app.adapters.ids import Uuid7Generator
from app.api.app import create_app
from app.services.access.api_keys import ensure_bootstrap_key
from app.services.platform import Platform
from app.services.reactions import REACTIONS
from app.services.unit_of_work import in_transaction

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
WRITES = int(os.environ.get("BENCH_WRITES", "200"))  # customer + invoice pairs per round
CLIENTS = 8
BATCHES = int(os.environ.get("BENCH_BATCHES", "4"))  # per round
HEADERS = {"Authorization": f"Bearer {BENCH_KEY}", "X-Actor": "u-bench"}


def platform(engine: Any, *, audit: bool) -> Platform:
    return Platform(
        uow=SqlUnitOfWorkFactory(engine, REACTIONS, audit=audit),
        clock=SystemClock(ZoneInfo("Asia/Shanghai")),
        ids=Uuid7Generator(),
        idempotency=SqlIdempotencyStore(engine),
        readiness=DatabaseReadiness(engine),
    )


def ok(answer: httpx.Response, status: int) -> dict[str, Any]:
    if answer.status_code != status:
        raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}")
    body: dict[str, Any] = answer.json()
    return body


async def rest_round(client: httpx.AsyncClient, tag: str) -> float:
    todo = list(range(WRITES))

    async def worker() -> None:
        while todo:
            n = todo.pop()
            made = await client.post("/v1/customers", json={"name": f"客户 {tag}-{n}"})
            invoice = {
                "customer_id": ok(made, 201)["id"],
                "amount": "1200.00",
                "currency": "CNY",
                "issued_on": "2026-10-01",
                "due_date": "2026-10-31",
            }
            ok(await client.post("/v1/invoices", json=invoice), 201)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CLIENTS)))
    return (time.perf_counter() - started) / (2 * WRITES)


async def ingest_round(client: httpx.AsyncClient, tag: str) -> float:
    started = time.perf_counter()
    for b in range(BATCHES):
        events = [payment_event(f"{tag}-{b}", "seed", n) for n in range(BATCH)]
        answer = ok(await client.post("/v1/ingest/events", json={"events": events}), 200)
        outcomes = {r["status"] for r in answer["results"]}
        if outcomes != {"accepted"}:
            raise RuntimeError(f"ingestion answered {outcomes}")
    return (time.perf_counter() - started) / (BATCHES * BATCH)


async def main() -> None:
    async with bench_database("huikuan_bench_audit") as url:
        engine = create_engine(url, pool_size=CLIENTS + 2)
        with_audit, without = platform(engine, audit=True), platform(engine, audit=False)
        await in_transaction(
            with_audit.uow(), ensure_bootstrap_key, with_audit.clock, with_audit.ids, BENCH_KEY
        )
        clients = {
            flag: httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(p)),
                base_url="http://bench",
                headers=HEADERS,
                timeout=600,
            )
            for flag, p in ((True, with_audit), (False, without))
        }
        seed = {"events": seed_events("seed")}
        for start in range(0, len(seed["events"]), 1000):
            part = {"events": seed["events"][start : start + 1000]}
            ok(await clients[True].post("/v1/ingest/events", json=part), 200)
        measures: dict[str, Callable[[httpx.AsyncClient, str], Awaitable[float]]] = {
            "REST write (s/request)": rest_round,
            "batched ingestion (s/event)": ingest_round,
        }
        rows = []
        for name, measure in measures.items():
            await measure(clients[True], f"warm-{name[:4]}-a")  # warm both paths
            await measure(clients[False], f"warm-{name[:4]}-b")
            times: dict[bool, list[float]] = {True: [], False: []}
            ratios = []
            for round_ in range(ROUNDS):
                order = (True, False) if round_ % 2 == 0 else (False, True)
                for flag in order:
                    tag = f"{name[:4]}-{round_}-{int(flag)}"
                    times[flag].append(await measure(clients[flag], tag))
                ratios.append(times[True][-1] / times[False][-1])
            rows.append(
                (
                    name,
                    f"{statistics.median(times[False]) * 1000:.2f} ms",
                    f"{statistics.median(times[True]) * 1000:.2f} ms",
                    f"{statistics.median(ratios):.3f}x",
                    "≤ 1.15x",
                )
            )
        for client in clients.values():
            await client.aclose()
        await engine.dispose()
    header = ("path", "without audit", "with audit", "ratio (median of rounds)", "goal")
    print_table(f"The audit trail's cost ({ROUNDS} rounds, alternating)", rows, header)


if __name__ == "__main__":
    asyncio.run(main())

"""Soak: mixed traffic at a steady rate against a running service, for SOAK_SECONDS
(default 600, `make soak`): ERP ingestion, REST reads and writes, report reads. Prints p50
and p99 per kind, the errors (there must be none: the script exits 1 otherwise) and the
service's resident memory every minute, at start and at the end."""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from harness import (
    BENCH_KEY,
    SERVICE_PIDS,
    bench_database,
    percentile,
    print_table,
    rss_mib,
    running_service,
)

SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
RATE = float(os.environ.get("SOAK_RATE", "40"))  # requests per second, all kinds together
CUSTOMERS = 50

Call = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


def event(n: str, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": n,
        "source": "soak",
        "type": type_,
        "occurred_at": "2026-11-01T00:00:00Z",
        "data": data,
    }


async def seed(api: httpx.AsyncClient) -> list[str]:
    events = [
        event(
            f"c-{c}",
            "customer.upserted",
            {"external_id": f"C-{c}", "name": f"浸泡客户{c}", "currency": "CNY"},
        )
        for c in range(CUSTOMERS)
    ]
    events += [
        event(
            f"i-{c}-{i}",
            "invoice.issued",
            {
                "external_id": f"FP-{c}-{i}",
                "customer_external_id": f"C-{c}",
                "amount": "50000.00",
                "currency": "CNY",
                "issued_on": "2026-09-01",
                "due_date": f"2026-{10 + i % 3}-15",
            },
        )
        for c in range(CUSTOMERS)
        for i in range(8)
    ]
    response = await api.post("/v1/ingest/events", json={"events": events})
    response.raise_for_status()
    listed = (await api.get("/v1/customers", params={"limit": 500})).json()["data"]
    return [c["id"] for c in listed]


def mix(customer_ids: list[str]) -> list[tuple[str, float, Call]]:
    def ingest(api: httpx.AsyncClient, n: int) -> Awaitable[httpx.Response]:
        data = {
            "external_id": f"S-{n}",
            "customer_external_id": f"C-{n % CUSTOMERS}",
            "amount": "12.34",
            "currency": "CNY",
            "received_on": "2026-11-20",
        }
        return api.post("/v1/ingest/events", json=event(f"p-{n}", "payment.received", data))

    def read(api: httpx.AsyncClient, n: int) -> Awaitable[httpx.Response]:
        customer = customer_ids[n % len(customer_ids)]
        if n % 2:
            return api.get(f"/v1/customers/{customer}")
        return api.get("/v1/invoices", params={"customer_id": customer, "limit": 20})

    def write(api: httpx.AsyncClient, n: int) -> Awaitable[httpx.Response]:
        return api.post(
            "/v1/tasks",
            json={
                "title": f"跟进 {n}",
                "kind": "call",
                "assignee": f"u-{n % 7}",
                "due_date": "2026-12-01",
                "customer_id": customer_ids[n % len(customer_ids)],
            },
        )

    def report(api: httpx.AsyncClient, n: int) -> Awaitable[httpx.Response]:
        if n % 2:
            return api.get("/v1/reports/aging", params={"group_by": "customer"})
        return api.get("/v1/reports/kpis")

    return [
        ("ingest", 0.35, ingest),
        ("read", 0.35, read),
        ("write", 0.2, write),
        ("report", 0.1, report),
    ]


async def soak(base: str) -> int:
    pid = SERVICE_PIDS[base]
    headers = {"Authorization": f"Bearer {BENCH_KEY}"}
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as api:
        kinds = mix(await seed(api))
        latencies: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        memory = [(0.0, rss_mib(pid))]
        names, weights, calls = zip(*kinds, strict=True)
        chooser = random.Random(7)
        started = time.perf_counter()
        pending: set[asyncio.Task[None]] = set()

        async def one(name: str, call: Call, n: int) -> None:
            begin = time.perf_counter()
            try:
                response = await call(api, n)
                if response.status_code >= 400:
                    errors.append(f"{name} {response.status_code} {response.text[:200]}")
            except httpx.HTTPError as exc:
                errors.append(f"{name} {type(exc).__name__}")
            latencies[name].append(time.perf_counter() - begin)

        n = 0
        while (elapsed := time.perf_counter() - started) < SECONDS:
            due = started + n / RATE
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            index = chooser.choices(range(len(names)), weights)[0]
            task = asyncio.create_task(one(names[index], calls[index], n))
            pending.add(task)
            task.add_done_callback(pending.discard)
            n += 1
            if int(elapsed) // 60 > len(memory) - 1:
                memory.append((elapsed, rss_mib(pid)))
        await asyncio.gather(*pending)
        memory.append((time.perf_counter() - started, rss_mib(pid)))

    rows = [
        (name, len(v), f"{percentile(v, 50) * 1000:.1f}", f"{percentile(v, 99) * 1000:.1f}")
        for name, v in sorted(latencies.items())
    ]
    print_table(
        f"Soak: {n} requests in {SECONDS:.0f} s at {RATE:.0f}/s",
        rows,
        ("kind", "requests", "p50 ms", "p99 ms"),
    )
    print_table(
        "Service memory (RSS)", [(f"{t:.0f} s", f"{m:.1f} MiB") for t, m in memory], ("at", "rss")
    )
    print(f"\nerrors: {len(errors)}")
    for line in errors[:20]:
        print("  ", line)
    return 1 if errors else 0


async def main() -> int:
    async with bench_database("huikuan_soak") as url:
        with running_service(url, HUIKUAN_SCHEDULER_ENABLED="true") as base:
            return await soak(base)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

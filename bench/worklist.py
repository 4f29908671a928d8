"""Benchmark: one owner's first worklist page over 100,000 open invoices and 200 owners.

Seeds the book of ``bench/_worklist_seed.py`` with COPY (100,000 open invoices of 10,000
contracts, 50 per owner, with tasks, risk flags and promises), VACUUM ANALYZE, starts
`huikuan serve` (scheduler and relay off) and times GET /v1/worklist?assignee=<one
owner>&limit=50 over HTTP beside the same statement through a bare asyncpg connection,
in alternating rounds. Prints figures and the ratio; asserts nothing.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/worklist.py
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from typing import Any

import asyncpg
import httpx
from _worklist_seed import CONTRACTS, OWNERS, PER_CONTRACT, TODAY, owner, seed
from harness import (
    BENCH_KEY,
    asyncpg_dsn,
    bench_database,
    percentile,
    print_table,
    running_service,
)
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

from app.adapters.db.collection.worklist import ranked_statement, statement_params
from app.domain.collection.worklist_weights import Weights
from app.services.collection.ports import WorklistQuery

ROUNDS, PER_ROUND, WARM_UP = 5, 60, 30


def raw_statement(assignee: str) -> tuple[str, list[Any]]:
    """The adapter's statement as asyncpg takes it: $n placeholders and their values."""
    compiled = ranked_statement().compile(dialect=asyncpg_dialect.dialect())  # type: ignore[no-untyped-call]
    params = statement_params(WorklistQuery(assignee, TODAY, Weights(), limit=51))
    return compiled.string, [params[name] for name in compiled.positiontup or []]


async def time_raw(conn: asyncpg.Connection, sql: str, args: list[Any], n: int) -> list[float]:
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        await conn.fetch(sql, *args)
        timings.append(time.perf_counter() - started)
    return timings


async def time_http(client: httpx.AsyncClient, assignee: str, n: int) -> list[float]:
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        response = await client.get("/v1/worklist", params={"assignee": assignee, "limit": 50})
        timings.append(time.perf_counter() - started)
        response.raise_for_status()
    return timings


def figures(label: str, seconds: list[float]) -> tuple[str, ...]:
    ms = [s * 1000 for s in seconds]
    return (
        label,
        f"{statistics.median(ms):.1f} ms",
        f"{percentile(ms, 99):.1f} ms",
        f"{min(ms):.1f} ms",
        f"{len(ms)}",
    )


async def measure(url: str, base: str, assignee: str) -> None:
    sql, args = raw_statement(assignee)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    headers = {"Authorization": f"Bearer {BENCH_KEY}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        first = (
            await client.get("/v1/worklist", params={"assignee": assignee, "limit": 50})
        ).json()
        total, cursor = 0, None
        while True:
            query: dict[str, str | int] = {"assignee": assignee, "limit": 500}
            if cursor:
                query["cursor"] = cursor
            page = (await client.get("/v1/worklist", params=query)).json()
            total += len(page["data"])
            if not (cursor := page["next_cursor"]):
                break
        plan = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args)
        plan = json.loads(plan)[0] if isinstance(plan, str) else plan[0]
        await time_http(client, assignee, WARM_UP)
        await time_raw(conn, sql, args, WARM_UP)
        http: list[float] = []
        raw: list[float] = []
        for _ in range(ROUNDS):  # alternate, so that background load hits both alike
            http += await time_http(client, assignee, PER_ROUND)
            raw += await time_raw(conn, sql, args, PER_ROUND)
    await conn.close()
    print(
        f"\n{assignee}: {total} items on the list; first page of {len(first['data'])}, "
        f"top score {first['data'][0]['score']}"
    )
    print(
        f"EXPLAIN ANALYZE: planning {plan['Planning Time']:.1f} ms, "
        f"execution {plan['Execution Time']:.1f} ms"
    )
    print_table(
        "first page (limit 50)",
        [figures("HTTP GET /v1/worklist", http), figures("raw statement (asyncpg)", raw)],
        ("", "median", "p99", "min", "n"),
    )
    ratio = statistics.median(http) / statistics.median(raw)
    print(f"\nHTTP median / raw statement median: {ratio:.2f}")


async def main() -> None:
    async with bench_database("huikuan_bench_worklist") as url:
        seconds = await seed(url)
        print(
            f"seeded {CONTRACTS * PER_CONTRACT:,} open invoices, {CONTRACTS:,} contracts, "
            f"{OWNERS} owners in {seconds:.0f} s (today {TODAY})"
        )
        env = {"HUIKUAN_SCHEDULER_ENABLED": "false", "HUIKUAN_RELAY_ENABLED": "false"}
        with running_service(url, **env) as base:
            await measure(url, base, owner(7))


if __name__ == "__main__":
    asyncio.run(main())

"""Benchmark: ingesting ``payment.received`` against a raw asyncpg baseline, in one run.

Runs ``huikuan serve`` on a throwaway database and measures events per second:

- single: one event per request, 16 concurrent clients (keep-alive connections);
- batched: 500 events per request, one client;

and a raw asyncpg baseline that writes the same rows (ingest record, payment, allocation
to the customer's oldest open invoice, invoice total, the outbox event carrying documents
of the service's shape and size) in one transaction per event (16 pooled connections) and
one per 500 events. The two alternate
in short rounds (service, then baseline), so that both see the same machine load; the
table shows median rates and the median of the rounds' ratios. Figures are never
asserted. The HTTP client is a minimal keep-alive HTTP/1.1 client, so that the load
generator takes as little of the CPU as possible.

It also runs the machine's physical-limit script (bare tables, hand-written SQL) on the
same server, after the rounds, and prints machine-readable lines beside the table:
``RESULT ingest_single_ev_s=``, ``ingest_batch500_ev_s=``, ``raw_single_ev_s=`` and
``raw_batch500_ev_s=``. The script is ``--raw-limit PATH`` or ``HUIKUAN_BENCH_RAW_LIMIT``
(default: ``bench/raw_limit.py`` in the ``shared`` folder beside the repository, if there).

It prints the CPU per single event of the service and of its database's backends (from
``/proc``), steadier than rates on a shared machine. ``BENCH_BATCHES=0`` skips the batch
rounds.

``BENCH_REPLICAS=2`` runs two ``huikuan serve`` processes on the database (each a full
replica, scheduler off in both) and spreads the single-event clients over them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from harness import (
    BENCH_KEY,
    ROOT,
    SERVICE_PIDS,
    asyncpg_dsn,
    bench_database,
    print_table,
    running_service,
)
from ingest_raw import raw_batched, raw_single, seed_raw

CUSTOMERS = 200
INVOICES_PER_CUSTOMER = 10
CLIENTS = 16
REPLICAS = int(os.environ.get("BENCH_REPLICAS", "1"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SINGLE_EVENTS = int(os.environ.get("BENCH_SINGLE_EVENTS", "1000"))  # per round
BATCH = 500
BATCHES = int(os.environ.get("BENCH_BATCHES", "4"))  # per round; 0 skips the batch rounds
RECEIVED_ON = "2026-11-20"
DEFAULT_RAW_LIMIT = ROOT.parent / "shared" / "bench" / "raw_limit.py"


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


async def post_all(bases: Sequence[str], bodies: Sequence[Any], clients: int) -> tuple[float, int]:
    """Send every body (``clients`` at a time, spread over the services at ``bases``);
    seconds taken and results not accepted."""
    queue = list(reversed(bodies))
    errors = 0

    async def client(base: str) -> None:
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
    await asyncio.gather(*(client(bases[i % len(bases)]) for i in range(clients)))
    return time.perf_counter() - started, errors


async def seed_service(bases: Sequence[str]) -> None:
    seed = seed_events("svc")
    batches = [{"events": seed[i : i + BATCH]} for i in range(0, len(seed), BATCH)]
    _, errors = await post_all(bases, batches, 1)
    assert errors == 0, f"seeding failed: {errors}"


async def analyze(pool: asyncpg.Pool) -> None:
    """Fresh planner statistics, as autovacuum keeps them on a production server (it
    analyses a table once a tenth of it has changed). The CI machine's PostgreSQL runs
    without autovacuum: plans made while a table was empty (a foreign key check that scans
    ``payments`` from end to end, say) would stay, and slow both sides down more with every
    round, in a way production never sees. Run before every round, outside the timing."""
    async with pool.acquire() as conn:
        await conn.execute("ANALYZE")


async def warm_up(bases: Sequence[str], pool: asyncpg.Pool) -> None:
    """Prepares the statements on every connection, on both sides."""
    await post_all(bases, [payment_event("warm", "svc", n) for n in range(CLIENTS * 8)], CLIENTS)
    await raw_single(pool, [payment_event("raw-w", "raw", n) for n in range(CLIENTS * 8)], CLIENTS)


async def service_single(bases: Sequence[str], round_: int) -> tuple[float, int]:
    events = [payment_event(f"svc-s{round_}", "svc", n) for n in range(SINGLE_EVENTS)]
    elapsed, errors = await post_all(bases, events, CLIENTS)
    return SINGLE_EVENTS / elapsed, errors


async def service_batched(bases: Sequence[str], round_: int) -> tuple[float, int]:
    events = [payment_event(f"svc-b{round_}", "svc", n) for n in range(BATCH * BATCHES)]
    batches = [{"events": events[i : i + BATCH]} for i in range(0, len(events), BATCH)]
    elapsed, errors = await post_all(bases, batches, 1)
    return len(events) / elapsed, errors


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process so far, from /proc (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu(database: str) -> float:
    """CPU of the PostgreSQL backends connected to ``database`` (on this machine; their
    process titles name it, and the benchmark's database name is unique)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if database.encode() in (entry / "cmdline").read_bytes():
                    total += cpu_seconds(int(entry.name))
    return total


class CpuMeter:
    """CPU per event of the service processes and of their database's backends: what the
    two cores are shared by, less disturbed than rates by other load on the machine."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.service = self.postgres = 0.0
        self.events = 0

    @contextlib.contextmanager
    def measure(self, events: int) -> Any:
        pids = list(SERVICE_PIDS.values())
        service, postgres = sum(map(cpu_seconds, pids)), database_cpu(self.database)
        yield
        self.service += sum(map(cpu_seconds, pids)) - service
        self.postgres += database_cpu(self.database) - postgres
        self.events += events

    def summary(self) -> str:
        per = 1000 / max(self.events, 1)
        return f"service {self.service * per:.2f} ms, PostgreSQL {self.postgres * per:.2f} ms"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def raw_limit_script(given: str | None) -> Path | None:
    path = given or os.environ.get("HUIKUAN_BENCH_RAW_LIMIT")
    if path:
        return Path(path)
    return DEFAULT_RAW_LIMIT if DEFAULT_RAW_LIMIT.exists() else None


def physical_limit(script: Path, dsn: str) -> dict[str, float]:
    """The ``RESULT name=value`` lines of the physical-limit script, run on ``dsn``."""
    done = subprocess.run(
        [sys.executable, str(script), dsn], capture_output=True, text=True, check=True
    )
    found = {}
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            name, _, value = line.removeprefix("RESULT ").partition("=")
            found[name.strip()] = float(value)
    return found


async def main(raw_limit: Path | None) -> None:
    single: list[tuple[float, float]] = []
    batched: list[tuple[float, float]] = []
    errors = 0
    async with bench_database("huikuan_bench_ingest") as url:
        pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=CLIENTS, max_size=CLIENTS)
        try:
            with contextlib.ExitStack() as services:
                # The scheduler is off: its first overdue scan of the seeded invoices would
                # otherwise land inside a round, and the raw baseline runs no such job.
                bases = [
                    services.enter_context(
                        running_service(
                            url, HUIKUAN_INGEST_SWEEP_SECONDS="0", HUIKUAN_SCHEDULER_ENABLED="false"
                        )
                    )
                    for _ in range(REPLICAS)
                ]
                await seed_service(bases)
                await seed_raw(pool, CUSTOMERS, INVOICES_PER_CUSTOMER)
                await warm_up(bases, pool)
                meter = CpuMeter(url.rsplit("/", 1)[1])
                for round_ in range(ROUNDS):
                    await analyze(pool)
                    with meter.measure(SINGLE_EVENTS):
                        rate, failed = await service_single(bases, round_)
                    events = [
                        payment_event(f"raw-s{round_}", "raw", n) for n in range(SINGLE_EVENTS)
                    ]
                    single.append((rate, await raw_single(pool, events, CLIENTS)))
                    errors += failed
                for round_ in range(ROUNDS if BATCHES else 0):
                    await analyze(pool)
                    rate, failed = await service_batched(bases, round_)
                    count = BATCH * BATCHES
                    events = [payment_event(f"raw-b{round_}", "raw", n) for n in range(count)]
                    batched.append((rate, await raw_batched(pool, events, BATCH)))
                    errors += failed
        finally:
            await pool.close()
        limits = physical_limit(raw_limit, asyncpg_dsn(url)) if raw_limit else {}
    rows = []
    for mode, pairs, goal in (
        ("single event per request", single, "0.5x"),
        (f"batches of {BATCH}", batched, "0.7x"),
    ):
        if not pairs:
            continue
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
        f"payment.received ingestion, {REPLICAS} service process(es): {ROUNDS} rounds of "
        f"{SINGLE_EVENTS} single events "
        f"({CLIENTS} clients) and of {BATCHES} batches of {BATCH}, service then raw baseline",
        rows,
        ("mode", "service ev/s", "raw asyncpg ev/s", "ratio", "per round", "goal"),
    )
    print(f"\nevents not accepted: {errors}")
    print(f"CPU per single event: {meter.summary()} (backends of short-lived connections missed)")
    figures = {"ingest_single_ev_s": median([s for s, _ in single])}
    if batched:
        figures["ingest_batch500_ev_s"] = median([s for s, _ in batched])
    figures.update(limits)
    if limits:
        single_x = figures["ingest_single_ev_s"] / limits["raw_single_ev_s"]
        against = f"single {single_x:.2f}x (goal 0.7x)"
        if batched:
            against += (
                f", batches {figures['ingest_batch500_ev_s'] / limits['raw_batch500_ev_s']:.2f}x"
                " (goal 0.4x)"
            )
        print(f"against the physical limit: {against}")
    else:
        print("no physical-limit script (--raw-limit or HUIKUAN_BENCH_RAW_LIMIT): no raw_* figures")
    for name, value in figures.items():
        print(f"RESULT {name}={value:.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--raw-limit", help="the machine's physical-limit script")
    asyncio.run(main(raw_limit_script(parser.parse_args().raw_limit)))

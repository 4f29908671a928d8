"""Where a batch of 500 ``payment.received`` events spends its CPU: the service's and
PostgreSQL's, per batch, besides the wall time.

Runs ``huikuan serve`` (scheduler off, relay on) on a throwaway database seeded as
``bench/ingest.py`` seeds it, posts ``BENCH_BATCHES`` batches of 500 one after another and
reads the CPU time the service process and every PostgreSQL backend of the database used
(``/proc/<pid>/stat``: the server must run on this machine). CPU per batch moves much
less with the machine's load than events per second do, so it is the figure to compare
between two versions of the code on a shared machine. Nothing is asserted.

``BENCH_PROFILE=out.txt`` also records the service with py-spy (``pip install py-spy``;
raw folded stacks, one line per stack) while the batches run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import time
from pathlib import Path

import asyncpg
from harness import SERVICE_PIDS, asyncpg_dsn, bench_database, running_service
from ingest import BATCH, Connection, payment_event, seed_service

BATCHES = int(os.environ.get("BENCH_BATCHES", "10"))
PROFILE = os.environ.get("BENCH_PROFILE")


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process so far (0 once it has exited)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def backends(pool: asyncpg.Pool, database: str) -> list[int]:
    rows = await pool.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", database)
    return [r["pid"] for r in rows]


def profiler(pid: int) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy")
    if PROFILE is None or spy is None:
        return None
    command = [spy, "record", "-p", str(pid), "-o", PROFILE, "-f", "raw", "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def main() -> None:
    async with bench_database("huikuan_bench_ingest_cpu") as url:
        pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=1, max_size=1)
        database = url.rsplit("/", 1)[1].split("?")[0]
        env = {"HUIKUAN_INGEST_SWEEP_SECONDS": "0", "HUIKUAN_SCHEDULER_ENABLED": "false"}
        try:
            with running_service(url, **env) as base:
                service = SERVICE_PIDS[base]
                await seed_service([base])
                await pool.execute("ANALYZE")
                conn = await Connection.open(base)
                for n in range(2):  # prepares the statements on the pool's connections
                    warm = [payment_event(f"warm{n}", "svc", k) for k in range(BATCH)]
                    await conn.post("/v1/ingest/events", {"events": warm})
                bodies = [
                    {"events": [payment_event(f"b{n}", "svc", k) for k in range(BATCH)]}
                    for n in range(BATCHES)
                ]
                spy = profiler(service)
                pids = await backends(pool, database)
                before = cpu_seconds(service), sum(cpu_seconds(p) for p in pids)
                walls, refused = [], 0
                for body in bodies:
                    started = time.perf_counter()
                    status, answer = await conn.post("/v1/ingest/events", body)
                    walls.append(time.perf_counter() - started)
                    refused += status != 200 or any(
                        r["status"] != "accepted" for r in answer["results"]
                    )
                after = cpu_seconds(service), sum(cpu_seconds(p) for p in pids)
                if spy is not None:
                    spy.send_signal(signal.SIGINT)
                    spy.wait()
                await conn.close()
        finally:
            await pool.close()
    service_ms = (after[0] - before[0]) / BATCHES * 1000
    database_ms = (after[1] - before[1]) / BATCHES * 1000
    wall = statistics.median(walls)
    print(f"\n{BATCHES} batches of {BATCH} payment.received, one after another")
    print(f"wall per batch: median {wall * 1000:.0f} ms, best {min(walls) * 1000:.0f} ms")
    print(f"CPU per batch: service {service_ms:.0f} ms, PostgreSQL {database_ms:.0f} ms")
    print(f"batches not wholly accepted: {refused}; load average {os.getloadavg()[0]:.1f}")
    print(f"RESULT ingest_batch500_service_cpu_ms={service_ms:.0f}")
    print(f"RESULT ingest_batch500_database_cpu_ms={database_ms:.0f}")


if __name__ == "__main__":
    asyncio.run(main())

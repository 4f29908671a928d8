"""Shared pieces for the benchmarks: a throwaway database, a running service, statistics.

Benchmarks print figures and ratios against a baseline measured in the same run; nothing
here asserts. The server is BENCH_DATABASE_URL, else TEST_DATABASE_URL, else an embedded
PostgreSQL in ./.data/bench.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.adapters.db.scratch import libpq_url, throwaway_database  # noqa: E402
from app.adapters.embedded_pg import start_embedded_postgres  # noqa: E402

BENCH_KEY = "bench-admin-key-" + "b" * 16
# The benchmarks' receivers listen on 127.0.0.1, which webhooks may reach only when allowed.
LOCAL_NETWORKS = "127.0.0.0/8,::1/128"


def server_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    return url or start_embedded_postgres(ROOT / ".data" / "bench", database="postgres")


@contextlib.asynccontextmanager
async def bench_database(prefix: str = "huikuan_bench") -> AsyncIterator[str]:
    """A fresh, migrated database for one benchmark run; dropped afterwards."""
    async with throwaway_database(server_url(), prefix) as url:
        yield url


asyncpg_dsn = libpq_url


SERVICE_PIDS: dict[str, int] = {}  # base URL -> pid of the `huikuan serve` behind it


def rss_mib(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_service(database_url: str, **env: str) -> Iterator[str]:
    """`huikuan serve` as a subprocess on a free port; yields its base URL."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HUIKUAN_BOOTSTRAP_API_KEY": BENCH_KEY,
        "HUIKUAN_LOG_LEVEL": "WARNING",
        "HUIKUAN_WEBHOOK_ALLOW_NETWORKS": LOCAL_NETWORKS,
        **env,
    }
    log = tempfile.NamedTemporaryFile(prefix="huikuan-bench-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log,  # a file, not a pipe nobody reads: a chatty service never blocks
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    SERVICE_PIDS[base] = process.pid
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"service did not start: {Path(log.name).read_text()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def percentile(values: Sequence[float], pct: float) -> float:
    """The pct-th percentile (0..100) by the nearest-rank method."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, "
        f"mean {statistics.fmean(ms):.1f} ms (n={len(ms)})"
    )


def print_table(title: str, rows: Sequence[Sequence[object]], header: Sequence[str]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=False)))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)))

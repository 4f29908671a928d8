"""Relay benchmark: commit-to-receipt latency at a steady rate, and full-speed throughput
beside a bare httpx loop posting the same signed bodies to the same receiver.

Three processes, as in production: this one commits events (through the unit of work, one
transaction each, like a use case), ``huikuan worker`` runs the relay, and
``bench/_receiver.py`` answers 204 and notes when each webhook-id arrived.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/relay.py

Environment: BENCH_RATE (300 events/s), BENCH_EVENTS (3000 at that rate), BENCH_BURST
(3000 for throughput) and BENCH_ROUNDS (3): the throughput runs alternate relay and bare
loops so that both meet the same background load, and report medians and the CPU each
process spent per delivery, which other load on the machine disturbs less than rates.
Without TEST_DATABASE_URL an embedded PostgreSQL is used. The script creates its own
database and drops it at the end. It prints; it asserts nothing.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from harness import LOCAL_NETWORKS, ROOT, bench_database, free_port, percentile

from app.adapters.clock import SystemClock
from app.adapters.db.engine import create_engine
from app.adapters.db.outbox_signal import OutboxSignal
from app.adapters.db.uow import OUTBOX_CHANNEL, SqlUnitOfWorkFactory
from app.adapters.delivery.sender import CONTENT_TYPE, event_body
from app.adapters.delivery.signing import signed_headers
from app.adapters.ids import Uuid7Generator
from app.domain.events import Actor, EventType, OutboxEvent
from app.services.context import Context
from app.services.delivery.webhooks import NewEndpoint, create_endpoint
from app.services.reactions import REACTIONS
from app.services.unit_of_work import in_transaction
from app.settings import Settings

RATE = float(os.environ.get("BENCH_RATE", "300"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "3000"))
BURST = int(os.environ.get("BENCH_BURST", "3000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PRODUCERS = 6


def start_worker(database_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HUIKUAN_MIGRATE_ON_START": "false",
        "HUIKUAN_LOG_LEVEL": "WARNING",
        "HUIKUAN_BOOTSTRAP_API_KEY": "",
        "HUIKUAN_WORKER_OPS_PORT": str(free_port()),  # its own, whatever else runs here
        "HUIKUAN_WEBHOOK_ALLOW_NETWORKS": LOCAL_NETWORKS,
    }
    return subprocess.Popen([str(Path(sys.executable).parent / "huikuan"), "worker"], env=env)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


class Bench:
    def __init__(self, database_url: str, receiver: str) -> None:
        self.database_url = database_url
        self.engine = create_engine(database_url, pool_size=PRODUCERS + 2, max_overflow=0)
        # As `serve` commits: the worker's relay is woken by the coalesced NOTIFY that the
        # signal sends after commits, not by one inside each commit.
        self.signal = OutboxSignal(self.engine, OUTBOX_CHANNEL)
        self.uow = SqlUnitOfWorkFactory(self.engine, REACTIONS, self.signal)
        self.ctx = Context(
            SystemClock(Settings().zone),
            Uuid7Generator(),
            Actor("bench"),
            destinations=Settings(webhook_allow_networks=LOCAL_NETWORKS).destinations,
        )
        self.receiver = receiver
        self.http = httpx.AsyncClient(timeout=30)

    def event(self, number: int) -> OutboxEvent:
        document = {"id": f"inv-{number}", "amount": "1234.50", "currency": "CNY"}
        return self.ctx.event(EventType.INVOICE_PAID, f"invoices/{number}", {"object": document})

    async def commit(self, events: list[OutboxEvent]) -> float:
        async with self.uow() as uow:
            for event in events:
                uow.add_event(event)
            await uow.commit()
        return time.time()

    async def stats(self) -> dict[str, Any]:
        answer = await self.http.get(f"{self.receiver}/stats")
        return answer.json()  # type: ignore[no-any-return]

    async def wait_for(self, count: int, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            stats = await self.stats()
            if len(stats["first_seen"]) >= count or time.monotonic() > deadline:
                return stats
            await asyncio.sleep(0.2)

    async def steady(self) -> tuple[dict[str, float], float]:
        """Commit EVENTS at RATE from PRODUCERS tasks; returns commit times and the rate."""
        committed: dict[str, float] = {}
        started = time.monotonic()

        async def produce(offset: int) -> None:
            for number in range(offset, EVENTS, PRODUCERS):
                delay = started + number / RATE - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                event = self.event(number)
                committed[str(event.id)] = await self.commit([event])

        await asyncio.gather(*(produce(i) for i in range(PRODUCERS)))
        return committed, EVENTS / (time.monotonic() - started)

    async def bare_loop(
        self, bodies: list[tuple[str, bytes]], secret: str, workers: int, *, shared: bool
    ) -> float:
        """POST the same signed bodies with ``workers`` in flight, through one shared client
        or one one-connection client per worker; returns requests/s."""
        queue = list(reversed(bodies))
        size = workers if shared else 1
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        clients = [httpx.AsyncClient(timeout=30, limits=limits) for _ in range(workers // size)]
        url = f"{self.receiver}/hooks"

        async def post_all(client: httpx.AsyncClient) -> None:
            while queue:
                msg_id, body = queue.pop()
                headers = signed_headers(msg_id, int(time.time()), body, [secret])
                headers["content-type"] = CONTENT_TYPE
                (await client.post(url, content=body, headers=headers)).raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(post_all(clients[i % len(clients)]) for i in range(workers)))
        elapsed = time.perf_counter() - started
        for client in clients:
            await client.aclose()
        return len(bodies) / elapsed

    async def full_speed(
        self, events: list[OutboxEvent], secret: str
    ) -> dict[str, tuple[float, float]]:
        """Deliveries/s and CPU ms per delivery: the relay draining ``events`` queued while
        it was stopped, then bare loops posting the same signed bodies."""
        await self.http.post(f"{self.receiver}/reset")
        for start in range(0, len(events), 500):
            await self.commit(events[start : start + 500])
        worker = start_worker(self.database_url)
        try:
            while not (await self.stats())["first_seen"]:
                await asyncio.sleep(0.005)
            cpu_before = process_cpu(worker.pid)
            stats = await self.wait_for(len(events))
            cpu = process_cpu(worker.pid) - cpu_before
        finally:
            stop(worker)
        times = sorted(stats["first_seen"].values())
        results = {"relay": ((len(times) - 1) / (times[-1] - times[0]), cpu * 1000 / len(times))}
        bodies = [(str(e.id), event_body(e)) for e in events]
        workers = Settings().relay_endpoint_concurrency
        for name, in_flight, shared in (
            ("lanes", workers, False),
            ("shared", workers, True),
            ("one", 1, True),
        ):
            cpu_before = time.process_time()
            rate = await self.bare_loop(bodies, secret, in_flight, shared=shared)
            results[name] = (rate, (time.process_time() - cpu_before) * 1000 / len(bodies))
        return results


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(database_url: str) -> None:
    settings = Settings()
    port = free_port()
    receiver = subprocess.Popen([sys.executable, str(ROOT / "bench" / "_receiver.py"), str(port)])
    bench = Bench(database_url, f"http://127.0.0.1:{port}")
    worker: subprocess.Popen[bytes] | None = None
    try:
        await asyncio.sleep(1.0)
        created = await in_transaction(
            bench.uow(),
            create_endpoint,
            bench.ctx,
            NewEndpoint(f"http://127.0.0.1:{port}/hooks", ("*",)),
        )
        worker = start_worker(database_url)
        warm = bench.event(-1)
        await bench.commit([warm])
        await bench.wait_for(1)
        await bench.http.post(f"{bench.receiver}/reset")

        committed, achieved = await bench.steady()
        stats = await bench.wait_for(EVENTS)
        seen = stats["first_seen"]
        latencies = [(seen[i] - t) * 1000 for i, t in committed.items() if i in seen]
        print(f"steady rate: {EVENTS} events at {achieved:.0f}/s (asked {RATE:.0f}/s)")
        print(
            f"  commit-to-receipt latency: p50 {percentile(latencies, 50):.1f} ms, "
            f"p99 {percentile(latencies, 99):.1f} ms, max {max(latencies):.1f} ms "
            f"({len(latencies)}/{EVENTS} received, {stats['requests']} requests)"
        )

        stop(worker)
        worker = None
        workers = settings.relay_endpoint_concurrency
        print(f"full speed, median of {ROUNDS} rounds of {BURST} events, relay and loops in turn:")
        rounds: dict[str, list[float]] = {}
        for round_number in range(ROUNDS):
            events = [bench.event(BURST * round_number + n) for n in range(BURST)]
            for name, (rate, cpu_ms) in (await bench.full_speed(events, created.secret)).items():
                rounds.setdefault(f"{name} rate", []).append(rate)
                rounds.setdefault(f"{name} cpu", []).append(cpu_ms)
        median = {key: statistics.median(values) for key, values in rounds.items()}
        labels = {
            "relay": "relay (huikuan worker)",
            "lanes": f"bare httpx loop, {workers} one-connection clients",
            "shared": f"bare httpx loop, one client, {workers} in flight",
            "one": "bare httpx loop, one client, 1 in flight",
        }
        for name, label in labels.items():
            print(
                f"  {label}: {median[f'{name} rate']:.0f}/s, "
                f"{median[f'{name} cpu']:.2f} ms CPU of its process per delivery"
            )
        best = max(median[f"{name} rate"] for name in ("lanes", "shared", "one"))
        print(f"  ratio relay / best bare loop: {median['relay rate'] / best:.2f}")
        shared_ratio = median["relay rate"] / median["shared rate"]
        print(f"  ratio relay / bare one-client loop: {shared_ratio:.2f}")
    finally:
        if worker is not None:
            stop(worker)
        stop(receiver)
        await bench.http.aclose()
        await bench.signal.close()
        await bench.engine.dispose()


async def main() -> None:
    async with bench_database("huikuan_bench_relay") as database_url:
        await run(database_url)


if __name__ == "__main__":
    asyncio.run(main())

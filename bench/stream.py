"""Stream benchmark: commit-to-consumer latency through JetStream at a steady rate, and
publishing throughput beside bare nats-py publish loops in the same run.

Processes as in production: this one commits events (through the unit of work, one
transaction each, like a use case) and consumes the stream (an ordered push consumer);
``huikuan worker`` runs the stream publisher; a ``nats-server -js`` of the run's own (a free
port, a temporary store) holds ``HUIKUAN_EVENTS``.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/stream.py

Environment: BENCH_RATE (300 events/s), BENCH_EVENTS (3000 at that rate), BENCH_BURST
(5000 for throughput) and BENCH_ROUNDS (3). Throughput: BURST events wait in the outbox
while the worker is stopped; then the worker publishes them (first to last ack seen by the
consumer), and bare loops publish the same bodies to a stream of their own: one
``await js.publish`` at a time, and 500 at a time with ``asyncio.gather`` (what the
publisher does per batch). Medians of the rounds. It prints; it asserts nothing.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nats
from harness import bench_database, free_port, percentile
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from app.adapters.clock import SystemClock
from app.adapters.db.engine import create_engine
from app.adapters.db.uow import SqlUnitOfWorkFactory
from app.adapters.delivery.sender import event_body
from app.adapters.ids import Uuid7Generator
from app.domain.events import Actor, EventType, OutboxEvent
from app.services.context import Context
from app.services.delivery.stream import STREAM_NAME
from app.services.reactions import REACTIONS
from app.settings import Settings

RATE = float(os.environ.get("BENCH_RATE", "300"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "3000"))
BURST = int(os.environ.get("BENCH_BURST", "5000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PRODUCERS = 6
NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


def start_nats(port: int, store: str) -> subprocess.Popen[bytes]:
    command = [NATS_SERVER, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", store]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nats-server did not start")


def start_worker(database_url: str, nats_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HUIKUAN_NATS_URL": nats_url,
        "HUIKUAN_MIGRATE_ON_START": "false",
        "HUIKUAN_SCHEDULER_ENABLED": "false",
        "HUIKUAN_LOG_LEVEL": "WARNING",
        "HUIKUAN_BOOTSTRAP_API_KEY": "",
        "HUIKUAN_WORKER_OPS_PORT": str(free_port()),
    }
    return subprocess.Popen([str(Path(sys.executable).parent / "huikuan"), "worker"], env=env)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


class Consumer:
    """Notes when each event id first arrives through an ordered push consumer."""

    def __init__(self) -> None:
        self.first_seen: dict[str, float] = {}

    async def on_message(self, msg: Msg) -> None:
        msg_id = (msg.headers or {}).get("Nats-Msg-Id")
        if msg_id is not None:
            self.first_seen.setdefault(msg_id, time.time())

    async def until(self, count: int, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while len(self.first_seen) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)


class Bench:
    def __init__(self, database_url: str, nats_url: str) -> None:
        self.database_url = database_url
        self.nats_url = nats_url
        self.engine = create_engine(database_url, pool_size=PRODUCERS + 2, max_overflow=0)
        self.uow = SqlUnitOfWorkFactory(self.engine, REACTIONS)
        self.ctx = Context(SystemClock(Settings().zone), Uuid7Generator(), Actor("bench"))

    def event(self, number: int) -> OutboxEvent:
        document = {"id": f"inv-{number}", "amount": "1234.50", "currency": "CNY"}
        return self.ctx.event(EventType.INVOICE_PAID, f"invoices/{number}", {"object": document})

    async def commit(self, events: list[OutboxEvent]) -> float:
        async with self.uow() as uow:
            for event in events:
                uow.add_event(event)
            await uow.commit()
        return time.time()

    async def steady(self) -> tuple[dict[str, float], float]:
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

    async def publisher_rate(self, consumer: Consumer, events: list[OutboxEvent]) -> float:
        for start in range(0, len(events), 500):
            await self.commit(events[start : start + 500])
        before = len(consumer.first_seen)
        worker = start_worker(self.database_url, self.nats_url)
        try:
            await consumer.until(before + len(events))
        finally:
            stop(worker)
        times = sorted(consumer.first_seen[str(e.id)] for e in events)
        return (len(times) - 1) / (times[-1] - times[0])


async def bare_rates(
    js: JetStreamContext, events: list[OutboxEvent], round_number: int
) -> tuple[float, float]:
    """events/s of a one-at-a-time publish loop and of 500-at-a-time gathers."""
    bodies = [(f"{e.id}-{round_number}", event_body(e)) for e in events]
    started = time.perf_counter()
    for msg_id, body in bodies:
        await js.publish("bench.one", body, headers={"Nats-Msg-Id": msg_id + "-1"})
    one = len(bodies) / (time.perf_counter() - started)
    started = time.perf_counter()
    for start in range(0, len(bodies), 500):
        await asyncio.gather(
            *(
                js.publish("bench.batch", body, headers={"Nats-Msg-Id": msg_id + "-b"})
                for msg_id, body in bodies[start : start + 500]
            )
        )
    batched = len(bodies) / (time.perf_counter() - started)
    return one, batched


async def run(database_url: str, nats_url: str) -> None:
    bench = Bench(database_url, nats_url)
    consumer = Consumer()
    worker = start_worker(database_url, nats_url)
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await bench.commit([bench.event(-1)])  # the worker creates the stream with it
        for _ in range(600):
            try:
                await js.stream_info(STREAM_NAME)
                break
            except nats.js.errors.NotFoundError:
                await asyncio.sleep(0.05)
        subscription = await js.subscribe(
            "huikuan.events.>", stream=STREAM_NAME, cb=consumer.on_message, ordered_consumer=True
        )
        await consumer.until(1)
        await js.add_stream(StreamConfig(name="BENCH_BARE", subjects=["bench.>"]))

        committed, achieved = await bench.steady()
        await consumer.until(1 + EVENTS)
        seen = consumer.first_seen
        latencies = [(seen[i] - t) * 1000 for i, t in committed.items() if i in seen]
        print(f"steady rate: {EVENTS} events at {achieved:.0f}/s (asked {RATE:.0f}/s)")
        print(
            f"  commit-to-consumer latency: p50 {percentile(latencies, 50):.1f} ms, "
            f"p99 {percentile(latencies, 99):.1f} ms, max {max(latencies):.1f} ms "
            f"({len(latencies)}/{EVENTS} consumed)"
        )
        stop(worker)
        print(
            f"full speed, median of {ROUNDS} rounds of {BURST} events, publisher and loops in turn:"
        )
        rounds: dict[str, list[float]] = {"publisher": [], "one": [], "batched": []}
        for round_number in range(ROUNDS):
            events = [bench.event(BURST * (round_number + 1) + n) for n in range(BURST)]
            rounds["publisher"].append(await bench.publisher_rate(consumer, events))
            one, batched = await bare_rates(js, events, round_number)
            rounds["one"].append(one)
            rounds["batched"].append(batched)
        median = {name: statistics.median(values) for name, values in rounds.items()}
        print(
            f"  stream publisher (huikuan worker), commit to consumer: {median['publisher']:.0f}/s"
        )
        print(f"  bare nats-py loop, one publish awaited at a time: {median['one']:.0f}/s")
        print(f"  bare nats-py loop, 500 publishes gathered at a time: {median['batched']:.0f}/s")
        print(f"  ratio publisher / one-at-a-time loop: {median['publisher'] / median['one']:.2f}")
        print(f"  ratio publisher / gathered loop: {median['publisher'] / median['batched']:.2f}")
        await subscription.unsubscribe()  # before the connection closes: no re-creation
    finally:
        if worker.poll() is None:
            stop(worker)
        await nc.close()
        await bench.engine.dispose()


async def main() -> None:
    store = tempfile.mkdtemp(prefix="huikuan-bench-nats-")
    port = free_port()
    server = start_nats(port, store)
    try:
        async with bench_database("huikuan_bench_stream") as database_url:
            await run(database_url, f"nats://127.0.0.1:{port}")
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())

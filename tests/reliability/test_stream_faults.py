"""The JetStream publisher in real `huikuan worker` processes against a real nats-server
that the test kills and restarts: a publisher killed mid-batch (SIGKILL) and NATS down
while events are committed lose nothing, and a consumer replaying the stream sees every
event once, in the feed's order."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.delivery.models import outbox_events
from tests.nats_server import NatsServer, connect, read_stream
from tests.receiver import eventually
from tests.reliability.conftest import Figure, Spawn

STREAM = {"HUIKUAN_STREAM_BATCH_SIZE": "50", "HUIKUAN_STREAM_POLL_S": "0.2"}


@pytest.fixture
async def nats_server() -> AsyncIterator[NatsServer]:
    server = await NatsServer().start()
    yield server
    await server.remove()


async def commit_events(
    db: AsyncEngine, count: int, per_transaction: int = 20, pause_s: float = 0.0
) -> list[str]:
    """Commit ``count`` events, ``per_transaction`` at a time; returns their ids in order."""
    ids: list[str] = []
    for start in range(0, count, per_transaction):
        await asyncio.sleep(pause_s)
        rows = [
            {
                "id": uuid.uuid4(),
                "type": "invoice.paid",
                "source": "/huikuan",
                "subject": f"invoices/{start + n}",
                "time": datetime.now(UTC),
                "data": {"number": start + n},
            }
            for n in range(min(per_transaction, count - start))
        ]
        async with db.begin() as conn:
            await conn.execute(insert(outbox_events), rows)
        ids.extend(str(r["id"]) for r in rows)
    return ids


async def stream_count(url: str) -> int:
    nc = await connect(url)
    try:
        return int((await nc.jetstream().stream_info("HUIKUAN_EVENTS")).state.messages)
    except Exception:
        return 0
    finally:
        await nc.close()


async def test_a_publisher_killed_mid_batch_loses_and_duplicates_nothing(
    spawn: Spawn, db: AsyncEngine, nats_server: NatsServer, figure: Figure
) -> None:
    first = spawn("worker", HUIKUAN_NATS_URL=nats_server.url, **STREAM)
    enough = asyncio.Event()
    ids: list[str] = []

    async def write_until_told() -> None:
        while not enough.is_set():
            ids.extend(await commit_events(db, 20))
            await asyncio.sleep(0.01)

    writing = asyncio.create_task(write_until_told())

    async def published(count: int) -> bool:
        return await stream_count(nats_server.url) >= count

    await eventually(lambda: published(200), timeout=60)
    # `first` leads (it was alone); `second` waits for the lock.
    await asyncio.to_thread(spawn, "worker", HUIKUAN_NATS_URL=nats_server.url, **STREAM)
    killed_at = await stream_count(nats_server.url)
    first.stop(signal.SIGKILL)  # events keep coming: it dies in the middle of the stream
    await asyncio.sleep(1.5)
    enough.set()
    await writing
    seen = await read_stream(nats_server.url, expected=len(ids), timeout=90)
    assert killed_at < len(ids)
    assert [m["id"] for m in seen] == ids
    assert [m["seq"] for m in seen] == list(range(1, len(ids) + 1))
    figure(
        f"stream: leader SIGKILLed after {killed_at} acks: {len(ids)} events, each once, in order"
    )


async def test_events_committed_while_nats_is_down_all_arrive_in_order(
    spawn: Spawn, db: AsyncEngine, nats_server: NatsServer
) -> None:
    worker = spawn("worker", HUIKUAN_NATS_URL=nats_server.url, **STREAM)
    early = await commit_events(db, 100)
    await read_stream(nats_server.url, expected=100, timeout=30)
    await nats_server.kill()
    late = await commit_events(db, 500)
    await asyncio.sleep(2)
    async with httpx.AsyncClient(base_url=worker.base_url) as ops:
        assert (await ops.get("/readyz")).status_code == 200  # the API needs no NATS
        metrics = (await ops.get("/metrics")).text
    [lag] = [line for line in metrics.splitlines() if line.startswith("huikuan_stream_lag_seconds")]
    assert float(lag.split()[1]) >= 1.5
    await nats_server.start()
    seen = await read_stream(nats_server.url, expected=600, timeout=60)
    assert [m["id"] for m in seen] == early + late
    assert [m["seq"] for m in seen] == list(range(1, 601))

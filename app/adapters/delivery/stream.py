"""The stream publisher: every outbox event to the JetStream stream ``HUIKUAN_EVENTS``.

One publisher at a time across replicas: it holds a PostgreSQL advisory lock on a
connection of its own for as long as it publishes; when its process dies the connection
closes, the lock goes with it, and another replica's publisher (which keeps asking every
``poll_s``) takes over from the cursor. A batch is read in feed order, published with its
acks awaited together (one connection keeps them in order), and the cursor moves past the
acknowledged prefix only; the cursor move is a compare-and-set, so a publisher that lost
the lock unnoticed changes nothing. NATS down: the pass fails, the cursor stays, and the
publisher tries again every ``poll_s`` until NATS is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.adapters.delivery.listener import OutboxListener
from app.adapters.delivery.metrics import STREAM_PUBLISHED
from app.adapters.delivery.sender import event_body
from app.domain.events import OutboxEvent
from app.services.context import Clock
from app.services.delivery.ports import DeliveryUnitOfWorkFactory
from app.services.delivery.stream import (
    STREAM_NAME,
    SUBJECT_PREFIX,
    StreamBatch,
    events_after,
    mark_published,
    next_to_publish,
    stream_subject,
)
from app.services.unit_of_work import in_transaction

log = logging.getLogger("huikuan.stream")

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
LOCK_KEY = int.from_bytes(hashlib.sha256(b"huikuan:stream-publisher").digest()[:8], signed=True)
DAY_S = 86_400.0


class LostLock(Exception):
    """The cursor had moved: another publisher holds the lock now."""


@dataclass(frozen=True, slots=True)
class StreamSettings:
    nats_url: str
    max_age_days: float = 30.0
    duplicate_window_s: float = 600.0
    batch_size: int = 500
    poll_s: float = 1.0
    ack_timeout_s: float = 5.0


async def ensure_stream(js: JetStreamContext, settings: StreamSettings) -> None:
    """Create ``HUIKUAN_EVENTS`` when missing; an existing stream keeps its settings."""
    try:
        await js.stream_info(STREAM_NAME)
        return
    except NotFoundError:
        pass
    config = StreamConfig(
        name=STREAM_NAME,
        subjects=[SUBJECT_PREFIX + ">"],
        storage=StorageType.FILE,
        max_age=settings.max_age_days * DAY_S if settings.max_age_days > 0 else None,
        duplicate_window=settings.duplicate_window_s,
        description="Huikuan's outbox events, CloudEvents JSON, in commit order",
    )
    await js.add_stream(config)
    log.info("created the JetStream stream", extra={"stream": STREAM_NAME})


class StreamPublisher:
    def __init__(
        self,
        *,
        uow: DeliveryUnitOfWorkFactory,
        engine: AsyncEngine,
        clock: Clock,
        settings: StreamSettings,
        database_url: str | None = None,
        channel: str = "huikuan_outbox",
    ) -> None:
        self.uow = uow
        self.engine = engine
        self.clock = clock
        self.settings = settings
        self.listener = OutboxListener(database_url, channel, self.notify) if database_url else None
        self.leading = asyncio.Event()  # set while this publisher holds the lock
        self.task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._stopping = False

    async def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name="huikuan-stream")

    async def stop(self, grace_s: float = 10.0) -> None:
        """Stop between batches: a batch in flight finishes (its acks, then the cursor);
        after ``grace_s`` (NATS down, waiting to connect) the task is cancelled, which
        loses nothing: the cursor is where the acks were."""
        if self.task is None or self.task.done():
            return
        self._stopping = True
        self._stop.set()
        self._wake.set()
        done, _ = await asyncio.wait({self.task}, timeout=grace_s)
        if not done:
            self.task.cancel()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await self.task

    def notify(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        listening = asyncio.create_task(self.listener.run()) if self.listener else None
        failures = 0
        try:
            while not self._stopping:
                try:
                    async with self._lock() as (held, conn):
                        if held:
                            await self._lead(conn)
                            failures = 0
                except Exception as exc:
                    failures += 1
                    log.warning(
                        "stream publishing paused",
                        extra={"error": f"{type(exc).__name__}: {exc}"[:300], "failures": failures},
                    )
                # Not woken by commits: a follower asks for the lock once a poll interval.
                with contextlib.suppress(TimeoutError):
                    pause = self.settings.poll_s * min(2 ** max(failures - 1, 0), 10)
                    await asyncio.wait_for(self._stop.wait(), pause)
        finally:
            if listening is not None:
                listening.cancel()
                await asyncio.gather(listening, return_exceptions=True)

    @contextlib.asynccontextmanager
    async def _lock(self) -> AsyncIterator[tuple[bool, AsyncConnection]]:
        conn = await self.engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            statement = text("SELECT pg_try_advisory_lock(:key)")
            held = bool((await conn.execute(statement, {"key": LOCK_KEY})).scalar())
            if held:
                self.leading.set()
            try:
                yield held, conn
            finally:
                self.leading.clear()
                if held:
                    await conn.invalidate()  # closing the session is what frees the lock
        finally:
            await conn.close()

    async def _lead(self, lock: AsyncConnection) -> None:
        nc = await nats.connect(
            servers=self.settings.nats_url.split(","),
            name="huikuan-stream",
            connect_timeout=2,
            allow_reconnect=True,
            max_reconnect_attempts=-1,
            reconnect_time_wait=self.settings.poll_s,
            error_cb=_quiet,
            disconnected_cb=_disconnected,
        )
        try:
            js = nc.jetstream(timeout=self.settings.ack_timeout_s)
            await ensure_stream(js, self.settings)
            limit = self.settings.batch_size
            batch: StreamBatch = await in_transaction(self.uow(), next_to_publish, limit)
            checked = time.monotonic()
            while not self._stopping:
                if time.monotonic() - checked >= self.settings.poll_s:
                    await lock.execute(text("SELECT 1"))  # a lost lock connection ends the lead
                    checked = time.monotonic()
                if not batch.events:
                    await self._sleep(self.settings.poll_s)
                    batch = await in_transaction(self.uow(), events_after, batch.after, limit)
                    continue
                # Read the next batch while this one is published and acknowledged.
                ahead = asyncio.create_task(
                    in_transaction(
                        self.uow(), events_after, batch.cursor_after(len(batch.events)), limit
                    )
                )
                try:
                    await self.publish_batch(js, batch)
                except BaseException:
                    ahead.cancel()
                    await asyncio.gather(ahead, return_exceptions=True)
                    raise
                batch = await ahead
        finally:
            await _close(nc)

    async def publish_batch(self, js: JetStreamContext, batch: StreamBatch) -> int:
        """Publish ``batch``, move the cursor past what JetStream acknowledged (in order);
        returns how many, or raises the first failure after moving the cursor."""
        acks = await asyncio.gather(
            *(self.publish_one(js, item.event) for item in batch.events), return_exceptions=True
        )
        acked = next((i for i, a in enumerate(acks) if isinstance(a, BaseException)), len(acks))
        if acked:
            moved = await in_transaction(self.uow(), mark_published, self.clock, batch, acked)
            if not moved:
                raise LostLock("the stream cursor moved: another publisher leads")
            STREAM_PUBLISHED.inc(acked)
        if acked < len(acks):
            error = acks[acked]
            assert isinstance(error, BaseException)
            raise error
        return acked

    async def publish_one(self, js: JetStreamContext, event: OutboxEvent) -> None:
        headers = {"Nats-Msg-Id": str(event.id), "content-type": CONTENT_TYPE}
        await js.publish(stream_subject(event.type), event_body(event), headers=headers)

    async def _sleep(self, seconds: float) -> None:
        if self._stopping:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        self._wake.clear()


async def _quiet(exc: Exception) -> None:
    log.debug("nats client error", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})


async def _disconnected() -> None:
    log.info("disconnected from NATS; reconnecting")


async def _close(nc: NatsClient) -> None:
    with contextlib.suppress(Exception):
        async with asyncio.timeout(5):
            await nc.close()

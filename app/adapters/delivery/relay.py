"""The relay: a background service that turns the outbox into signed webhook deliveries.

One loop per process. It wakes on a NOTIFY from a commit, on a finished send, or every
``poll_s``; then it fans new events out to deliveries and leases the due ones (SKIP
LOCKED, so several relays share the work). Passes start at most every ``gather_s``:
under load, the commits of that interval share one pass instead of paying for one each.
Each endpoint gets at most ``endpoint_concurrency`` sends in flight (slots.py), so a slow
or dead endpoint only ever holds its own slots. Sends run as tasks of one TaskGroup;
their outcomes are written back in batches.

``stop`` is graceful: no new claims, sends in flight get ``shutdown_grace_s`` to finish,
the rest are cancelled and their leases released. Cancelling the task instead is a crash:
leases then expire after ``lease`` and another relay sends again, with the same
``webhook-id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from uuid import UUID

from app.adapters.delivery.listener import OutboxListener
from app.adapters.delivery.metrics import WEBHOOK_DELIVERIES, WEBHOOK_DURATION
from app.adapters.delivery.recorder import OutcomeRecorder
from app.adapters.delivery.sender import WebhookSender
from app.adapters.delivery.slots import DeliverySlots
from app.domain.delivery.delivery import DeliveryStatus
from app.domain.events import Actor
from app.services.context import Clock, Context, IdGenerator
from app.services.delivery.delivery import (
    DeliveryPolicy,
    SendOutcome,
    fan_out_and_claim,
    record_outcomes,
    release_claims,
)
from app.services.delivery.ports import DeliveryJob, DeliveryUnitOfWorkFactory
from app.services.unit_of_work import in_transaction

log = logging.getLogger("huikuan.relay")


def _report_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the relay stopped on an error", exc_info=task.exception())


@dataclass(frozen=True, slots=True)
class RelayConfig:
    policy: DeliveryPolicy
    poll_s: float = 1.0
    batch_size: int = 200
    concurrency: int = 64
    endpoint_concurrency: int = 16
    shutdown_grace_s: float = 10.0
    # The least time from one pass's start to the next: a lone commit after a quiet spell
    # is relayed at once, a stream of commits every gather_s (decision 0142).
    gather_s: float = 0.01


class Relay:
    def __init__(
        self,
        *,
        uow: DeliveryUnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        sender: WebhookSender,
        config: RelayConfig,
        database_url: str | None = None,
        channel: str = "huikuan_outbox",
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.sender = sender
        self.config = config
        self.ctx = Context(clock=clock, ids=ids, actor=Actor.system("relay"))
        self.listener = OutboxListener(database_url, channel, self.notify) if database_url else None
        self.recorder = OutcomeRecorder(self._write_outcomes)
        self.task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._new_events = True
        self._stopping = False
        self._group: asyncio.TaskGroup | None = None
        self._in_flight: dict[asyncio.Task[None], DeliveryJob] = {}
        self._slots = DeliverySlots(
            per_endpoint=config.endpoint_concurrency, overall=config.concurrency
        )

    # -- BackgroundService ------------------------------------------------------------

    async def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name="huikuan-relay")
        self.task.add_done_callback(_report_end)

    async def stop(self) -> None:
        if self.task is None or self.task.done():
            return
        self._stopping = True
        self._wake.set()
        with contextlib.suppress(Exception):  # already logged by _report_end
            await self.task

    def notify(self) -> None:
        """New events were committed: fan out and claim on the next pass."""
        self._new_events = True
        self._wake.set()

    # -- the loop ---------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            async with asyncio.TaskGroup() as group:
                self._group = group
                listening = group.create_task(self.listener.run()) if self.listener else None
                recording = group.create_task(self.recorder.run())
                await self._pass_until_stopped()
                await self._drain()
                if listening is not None:
                    listening.cancel()
                del recording  # ends by itself once the recorder is closed
        finally:
            await self.sender.aclose()

    async def _pass_until_stopped(self) -> None:
        failures = 0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            started = loop.time()
            try:
                await self._pass()
                failures = 0
            except Exception:
                failures += 1
                log.exception("relay pass failed", extra={"failures": failures})
            await self._sleep(self.config.poll_s * min(2**failures, 30))
            rest = self.config.gather_s - (loop.time() - started)
            if rest > 0 and not self._stopping:
                await asyncio.sleep(rest)  # what commits meanwhile joins the next pass

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        if not self._wake.is_set():  # the poll: look for events whatever was (not) heard
            self._new_events = True
        self._wake.clear()

    async def _pass(self) -> None:
        """Fan out while there are new events; lease due deliveries while there is room."""
        config = self.config
        while not self._stopping:
            fan_out = config.batch_size if self._new_events else 0
            self._new_events = False
            room = self._slots.room()
            if fan_out == 0 and room <= 0:
                return
            fanned, jobs = await in_transaction(
                self.uow(),
                fan_out_and_claim,
                self.clock,
                config.policy,
                fan_out=fan_out,
                claim=room,
                per_endpoint=self._slots.window,
                held=self._slots.held(),
            )
            for job in jobs:
                if self._slots.admit(job):
                    self._launch(job)
            if fanned < config.batch_size:
                return
            self._new_events = True

    def _launch(self, job: DeliveryJob) -> None:
        assert self._group is not None
        task = self._group.create_task(self._deliver(job))
        self._in_flight[task] = job

    async def _deliver(self, job: DeliveryJob) -> None:
        finished = False
        try:
            result = await self.sender.send(job, self.clock.now())
            WEBHOOK_DURATION.observe(result.duration.total_seconds())
            self.recorder.add(SendOutcome(job, result))
            finished = True
        finally:
            task = asyncio.current_task()
            if task is not None:
                self._in_flight.pop(task, None)
            # A cancelled send (stop or crash) starts nothing new.
            start_next = finished and not self._stopping
            for ready in self._slots.finish(job.endpoint_id, start_next=start_next):
                self._launch(ready)
            if self._slots.wants_more(job.endpoint_id):
                self._wake.set()

    async def _write_outcomes(self, outcomes: list[SendOutcome]) -> None:
        recorded = await in_transaction(
            self.uow(), record_outcomes, self.ctx, self.config.policy, outcomes
        )
        for item in recorded:
            if not item.written:
                outcome = "discarded"
            elif item.decision.status is DeliveryStatus.PENDING:
                outcome = "retry"
            else:
                outcome = item.decision.status.value
            WEBHOOK_DELIVERIES.labels(outcome).inc()

    async def _drain(self) -> None:
        """Let sends in flight finish (up to the grace), cancel the rest, release leases."""
        tokens: set[UUID] = set()
        if self._in_flight:
            _, late = await asyncio.wait(
                list(self._in_flight), timeout=self.config.shutdown_grace_s
            )
            tokens |= {self._in_flight[t].lease_token for t in late if t in self._in_flight}
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        tokens |= {job.lease_token for job in self._slots.take_waiting()}
        unwritten = await self.recorder.close()
        tokens |= {o.job.lease_token for o in unwritten}
        if tokens:
            try:
                released = await in_transaction(self.uow(), release_claims, sorted(tokens))
                log.info("relay released its leases", extra={"deliveries": released})
            except Exception:
                log.exception("could not release leases; they expire by themselves")

"""Writes attempt outcomes back in batches: under load, one transaction records many.

Outcomes wait here only between the HTTP answer and the write; the delivery's lease keeps
other relays off it meanwhile. When a batch cannot be written its outcomes are written one
by one, so that one odd outcome only ever holds itself. What still cannot be written (the
database is away) is retried; what keeps failing is dropped after ``MAX_TRIES`` (its leases
expire and the deliveries are sent again). At shutdown what is left is handed back so its
lease can be released.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from app.services.delivery.delivery import SendOutcome

log = logging.getLogger("huikuan.relay")

MAX_TRIES = 10

Writer = Callable[[list[SendOutcome]], Awaitable[None]]


class OutcomeRecorder:
    def __init__(
        self, write: Writer, *, max_batch: int = 500, retry_s: float = 1.0, linger_s: float = 0.01
    ) -> None:
        self.write = write
        self.max_batch = max_batch
        self.retry_s = retry_s
        self.linger_s = linger_s  # gather a few more outcomes per transaction under load
        self._pending: list[SendOutcome] = []
        self._ready = asyncio.Event()
        self._closing = False
        self._done = asyncio.Event()

    def add(self, outcome: SendOutcome) -> None:
        self._pending.append(outcome)
        self._ready.set()

    async def run(self) -> None:
        """Write until closed; after :meth:`close`, one last round, then stop."""
        try:
            while True:
                await self._ready.wait()
                if not self._closing and len(self._pending) < self.max_batch:
                    await asyncio.sleep(self.linger_s)
                self._ready.clear()
                await self._write_pending(give_up=self._closing)
                if self._closing:
                    return
        finally:
            self._done.set()

    async def _write_pending(self, *, give_up: bool) -> None:
        failures = 0
        while self._pending:
            batch = self._pending[: self.max_batch]
            left = await self._write(batch)
            self._pending[: len(batch)] = left
            if not left:
                failures = 0
                continue
            failures += 1
            if give_up and failures >= 3:
                return
            if failures >= MAX_TRIES:  # never let some outcomes block every later one
                log.error(
                    "dropped webhook outcomes; their leases expire and they are sent again",
                    extra={"count": len(left)},
                )
                del self._pending[: len(left)]
                failures = 0
                continue
            await asyncio.sleep(min(self.retry_s * failures, 10.0))

    async def _write(self, batch: list[SendOutcome]) -> list[SendOutcome]:
        """Write the batch; the outcomes that could not be written (none: an empty list)."""
        try:
            await self.write(batch)
            return []
        except Exception:
            log.exception("could not record webhook outcomes", extra={"count": len(batch)})
        if len(batch) == 1:
            return batch
        # One outcome that cannot be written must not hold back the others: each alone,
        # until three in a row fail with none written (then the database is away).
        left: list[SendOutcome] = []
        for index, outcome in enumerate(batch):
            try:
                await self.write([outcome])
            except Exception as exc:
                error = type(exc).__name__
                log.warning("could not record a webhook outcome", extra={"error": error})
                left.append(outcome)
                if len(left) >= 3 and len(left) == index + 1:
                    return left + batch[index + 1 :]
        return left

    async def close(self) -> list[SendOutcome]:
        """Write what is pending (a few tries), stop, and return what could not be written."""
        self._closing = True
        self._ready.set()
        await self._done.wait()
        left, self._pending = self._pending, []
        return left

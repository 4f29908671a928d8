"""Waking the relays when outbox events commit, without a NOTIFY in every commit.

PostgreSQL serialises committing transactions that notify on one lock held across their WAL
flush, so concurrent commits that each NOTIFY cannot share a group commit. Instead, a
commit that wrote events wakes the relay of its own process at once (a callback), and the
relays of other processes by one ``NOTIFY`` per ``interval_s`` at most, sent by a task of
this process in a transaction of its own that writes nothing (so it flushes no WAL). The
first commit after a quiet spell notifies at once: a lone event waits for nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

INTERVAL_S = 0.02  # at most 50 NOTIFYs a second per process, however many commits


class OutboxSignal:
    def __init__(self, engine: AsyncEngine, channel: str, interval_s: float = INTERVAL_S) -> None:
        self.engine = engine
        self.statement = f"SELECT pg_notify('{channel}', '')"
        self.interval_s = interval_s
        self.listeners: list[Callable[[], None]] = []
        self._pending = False
        self._task: asyncio.Task[None] | None = None

    def subscribe(self, listener: Callable[[], None]) -> None:
        """``listener`` (this process's relay) is called after every commit with events."""
        self.listeners.append(listener)

    def committed(self) -> None:
        for listener in self.listeners:
            listener()
        self._pending = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._notify_others())

    async def _notify_others(self) -> None:
        while self._pending:
            self._pending = False
            try:
                async with self.engine.connect() as conn:
                    await conn.execution_options(isolation_level="AUTOCOMMIT")
                    await conn.exec_driver_sql(self.statement)
            except Exception:  # the relays poll too: a lost wake-up only delays
                log.warning("could not notify the relays of other processes", exc_info=True)
            await asyncio.sleep(self.interval_s)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

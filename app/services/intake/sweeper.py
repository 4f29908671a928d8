"""A background task that applies parked events whose records exist by now.

Releases normally happen when the record arrives; this catches the rest (a record that
arrived while an event waiting for it was being parked, a release cut short). Every
replica may run it: claiming a parked event is exclusive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from app.services.context import Context
from app.services.intake.ports import IntakeUnitOfWork
from app.services.intake.release import release_ready
from app.services.intake.steps import Step

log = logging.getLogger(__name__)


class ParkedEventSweeper:
    def __init__(
        self,
        uow: Callable[[], IntakeUnitOfWork],
        ctx: Context,
        interval_s: float,
        on_released: Callable[[list[Step]], None] | None = None,
    ) -> None:
        self.uow = uow
        # The platform's context (grace days, default currency...), acting as the system;
        # each released event then acts for the key that sent it.
        self.ctx = ctx
        self.interval_s = interval_s
        self.on_released = on_released
        self._task: asyncio.Task[None] | None = None

    async def sweep(self) -> list[Step]:
        released = await release_ready(self.uow(), self.ctx)
        if released:
            log.info("released %d parked events", len(released))
            if self.on_released is not None:
                self.on_released(released)
        return released

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ingest-sweeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.sweep()
            except Exception:  # the database may be restarting; try again next time
                log.warning("sweeping parked events failed", exc_info=True)

"""Runs import jobs in the background of ``serve`` and ``worker``, one at a time per process.

A job is claimed from the database (SKIP LOCKED, under a lease renewed by every batch),
its file copied from the database to a spool file, and its rows applied from the row the
last committed batch left off. A process that dies stops renewing the lease; when it runs
out, any process (the same one restarted, or another replica) takes the job over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

from app.adapters.intake.spreadsheets import rows_from
from app.domain.intake.imports import JobStatus, RowError, UnreadableFile
from app.services.context import Context
from app.services.intake.import_ports import ImportJob, ImportsUnitOfWork
from app.services.intake.imports import ImportRunner

log = logging.getLogger(__name__)


class ImportWorker:
    def __init__(
        self,
        uow: Callable[[], ImportsUnitOfWork],
        ctx: Context,
        *,
        lease_s: float,
        poll_s: float,
        spool_dir: Path | None = None,
    ) -> None:
        self.uow = uow
        self.ctx = ctx
        self.lease_s = lease_s
        self.poll_s = poll_s
        self.spool_dir = spool_dir
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.runner = ImportRunner(uow, ctx, self.name, lease_s)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """A job was just queued in this process: look now rather than at the next poll."""
        self._wake.set()

    async def run_next(self) -> ImportJob | None:
        """Claims one job and runs it to its end; None when none waits."""
        async with self.uow() as uow:
            job = await uow.imports.claim(self.name, self.ctx.clock.now(), self.lease_s)
            await uow.commit()
        if job is None:
            return None
        log.info("import job %s (%s) from row %d", job.id, job.kind.value, job.next_row)
        with tempfile.TemporaryDirectory(prefix="huikuan-import-", dir=self.spool_dir) as tmp:
            path = Path(tmp) / "upload"
            await self._spool(job, path)
            try:
                rows = rows_from(path, job.file_format, job.encoding, job.next_row)
                return await self.runner.run(job, rows)
            except UnreadableFile as error:
                row = RowError(error.row or 0, "", "", str(error))
                await self.runner.finish(job, JobStatus.FAILED, [row])
                return job

    async def _spool(self, job: ImportJob, path: Path) -> None:
        async with self.uow() as uow:
            with path.open("wb") as file:
                async for chunk in uow.imports.file_chunks(job.id):
                    file.write(chunk)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="import-worker")

    async def stop(self) -> None:
        """Stops mid-batch if need be; the job's lease is ended, so another process (or
        this one restarted) goes on from its last committed batch at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            async with self.uow() as uow:
                await uow.imports.release(self.name, self.ctx.clock.now())
                await uow.commit()
        except Exception:  # the lease then runs out by itself
            log.warning("could not release the import leases", exc_info=True)

    async def _run(self) -> None:
        while True:
            try:
                while await self.run_next() is not None:
                    pass
            except Exception:  # the database may be restarting; the lease lets us resume
                log.warning("running an import job failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)
            self._wake.clear()

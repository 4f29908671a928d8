"""Bulk import jobs: taking a file, and applying its rows as inbound events in batches.

A job's rows go through ``ingest_events`` (the rules, parking and idempotency of
ingestion), a batch at a time; after each batch the job's counts and the row to go on
from commit together, under the lease of the process running it. A process that dies
mid-batch leaves the batch to be sent again by whoever takes the job over: its events
are then duplicates, answered with how they ended the first time, so nothing applies twice.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from app.domain.errors import InvalidEvent
from app.domain.events import Actor, rfc3339
from app.domain.intake.imports import (
    KINDS,
    Header,
    HeaderProblem,
    ImportKind,
    JobStatus,
    KindSpec,
    RowError,
    RowEvent,
    RowReader,
    event_id,
    read_header,
    row_errors,
)
from app.domain.intake.ingest import parse_event
from app.services.context import Context
from app.services.intake.import_ports import ImportJob, ImportsUnitOfWork, Progress
from app.services.intake.intake import ingest_events
from app.services.problems import problem_document

BATCH = 500  # events per batch: one ingestion request's worth


@dataclass(frozen=True, slots=True)
class Upload:
    kind: ImportKind
    source: str
    dry_run: bool
    file_sha256: str
    file_name: str
    file_format: str
    encoding: str | None
    header_problem: HeaderProblem | None = None


async def submit_import(
    uow: ImportsUnitOfWork, ctx: Context, upload: Upload, chunks: AsyncIterable[bytes]
) -> ImportJob:
    """The job for an uploaded file: the same file sent for real before answers its job;
    otherwise a new job, queued with its file (or failed at once when its header is bad)."""
    if not upload.dry_run:
        found = await uow.imports.find(upload.kind, upload.source, upload.file_sha256)
        if found is not None:
            return found
    now = ctx.clock.now()
    bad = upload.header_problem
    job = await uow.imports.add(
        ImportJob(
            id=ctx.ids.new_id(),
            kind=upload.kind,
            status=JobStatus.FAILED if bad else JobStatus.QUEUED,
            source=upload.source,
            dry_run=upload.dry_run,
            file_sha256=upload.file_sha256,
            file_name=upload.file_name,
            file_format=upload.file_format,
            encoding=upload.encoding,
            created_at=now,
            created_by=ctx.actor.key_name,
            created_by_user=ctx.actor.user,
            finished_at=now if bad else None,
            problem=bad.message if bad else None,
        )
    )
    if job.created_at != now or job.created_by != ctx.actor.key_name:
        return job  # another upload of the same file got there first
    if bad is not None:
        await uow.imports.add_errors(job.id, [RowError(1, bad.column, "", bad.message)])
        return job
    seq = 0
    async for chunk in chunks:
        await uow.imports.add_file_chunk(job.id, seq, chunk)
        seq += 1
    return job


def _batches(
    items: Iterator[RowEvent | RowError], size: int
) -> Iterator[list[RowEvent | RowError]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


@dataclass
class _Batch:
    job: ImportJob
    spec: KindSpec
    events: list[RowEvent]
    errors: list[RowError]
    applied: int = 0
    rejected: int = 0
    parked: int = 0

    def reject(self, event: RowEvent, errors: Sequence[RowError]) -> None:
        self.rejected += len(event.rows)
        self.errors.extend(errors)

    def raw(self, event: RowEvent) -> dict[str, Any]:
        return {
            "id": event_id(self.job.file_sha256, event.first_row),
            "source": self.job.source,
            "type": self.spec.event_type,
            "occurred_at": rfc3339(self.job.created_at),
            "data": event.data,
        }


class ImportRunner:
    """Applies one claimed job's rows; stops when done or when its lease was taken over."""

    def __init__(
        self,
        uow: Callable[[], ImportsUnitOfWork],
        ctx: Context,
        worker: str,
        lease_s: float,
        batch_size: int = BATCH,
    ) -> None:
        self.uow = uow
        self.ctx = ctx
        self.worker = worker
        self.lease_s = lease_s
        self.batch_size = batch_size

    async def run(self, job: ImportJob, rows: Iterable[tuple[int, Sequence[object]]]) -> ImportJob:
        """``rows``: the header row, then the data rows from ``job.next_row`` on."""
        spec = KINDS[job.kind]
        # The rows act for the key (and person) that uploaded the file, as ingestion's do.
        ctx = replace(self.ctx, actor=Actor(job.created_by, job.created_by_user))
        iterator = iter(rows)
        first = next(iterator, None)
        try:
            header = read_header(spec, first[1] if first else [])
        except HeaderProblem as bad:
            await self.finish(job, JobStatus.FAILED, [RowError(1, bad.column, "", bad.message)])
            return job
        reader = RowReader(spec, header)
        for items in _batches(reader.events(iterator), self.batch_size):
            batch = _Batch(job, spec, [i for i in items if isinstance(i, RowEvent)], [])
            for item in items:
                if isinstance(item, RowError):
                    batch.reject(RowEvent(item.row, item.row, None, {}, (item.row,)), [item])
            await self._drop_duplicates(batch, header)
            if job.dry_run:
                self._check(batch, header)
            else:
                await self._ingest(batch, ctx, header)
            last = max(i.last_row if isinstance(i, RowEvent) else i.row for i in items)
            rows_done = batch.applied + batch.rejected + batch.parked
            progress = Progress(last + 1, rows_done, batch.applied, batch.rejected, batch.parked)
            if not await self._record(job, progress, batch.errors):
                return job  # another process holds the job now
        async with self.uow() as uow:
            done = await uow.imports.get(job.id)
        assert done is not None
        await self.finish(done, final_status(done), [])
        return done

    async def _drop_duplicates(self, batch: _Batch, header: Header) -> None:
        """A second row with an external id seen earlier in the file is rejected."""
        keys: dict[str, int] = {}
        for event in batch.events:
            if event.external_id is not None:
                keys.setdefault(event.external_id, event.first_row)
        if not keys:
            return
        async with self.uow() as uow:
            first = await uow.imports.first_rows(batch.job.id, keys)
            await uow.commit()
        kept = []
        for event in batch.events:
            earlier = first.get(event.external_id or "", event.first_row)
            if earlier != event.first_row:
                name = header.names.get(batch.spec.key, batch.spec.key)
                value = event.external_id or ""
                message = f"duplicate of row {earlier}: {value} appears twice in the file"
                batch.reject(event, [RowError(event.first_row, name, value, message)])
            else:
                kept.append(event)
        batch.events = kept

    def _check(self, batch: _Batch, header: Any) -> None:
        """A dry run: every check an event can pass on its own, nothing written."""
        for event in batch.events:
            try:
                parse_event(batch.raw(event))
            except InvalidEvent as error:
                batch.reject(event, row_errors(batch.spec, header, event, problem_document(error)))
            else:
                batch.applied += len(event.rows)

    async def _ingest(self, batch: _Batch, ctx: Context, header: Any) -> None:
        if not batch.events:
            return
        report = await ingest_events(self.uow(), ctx, [batch.raw(e) for e in batch.events])
        outcomes: dict[int, tuple[str, Any]] = {}
        again = []
        for event, result in zip(batch.events, report.results, strict=True):
            if result.outcome.value == "duplicate":
                again.append(event)
            else:
                outcomes[event.first_row] = (result.outcome.value, result.problem)
        if again:  # sent before a crash: answered with how they ended then
            ids = [event_id(batch.job.file_sha256, e.first_row) for e in again]
            async with self.uow() as uow:
                stored = await uow.imports.stored_outcomes(batch.job.source, ids)
            for event, id_ in zip(again, ids, strict=True):
                outcomes[event.first_row] = stored.get(id_, ("applied", None))
        for event in batch.events:
            status, problem = outcomes[event.first_row]
            if status in ("accepted", "applied"):
                batch.applied += len(event.rows)
            elif status == "parked":
                batch.parked += len(event.rows)
            else:
                batch.reject(event, row_errors(batch.spec, header, event, problem or {}))

    async def _record(self, job: ImportJob, progress: Progress, errors: list[RowError]) -> bool:
        async with self.uow() as uow:
            now = self.ctx.clock.now()
            held = await uow.imports.record(job.id, self.worker, progress, now, self.lease_s)
            if held:
                await uow.imports.add_errors(job.id, errors)
                await uow.commit()
        return held

    async def finish(self, job: ImportJob, status: JobStatus, errors: list[RowError]) -> None:
        async with self.uow() as uow:
            await uow.imports.add_errors(job.id, errors)
            problem = errors[0].message if errors else None
            await uow.imports.finish(job.id, status, self.ctx.clock.now(), problem)
            await uow.imports.drop_file(job.id)
            await uow.commit()


def final_status(job: ImportJob) -> JobStatus:
    """Succeeded when every row applied (a dry run: passed), failed when none did."""
    if job.rejected == 0 and job.parked == 0:
        return JobStatus.SUCCEEDED
    if job.applied == 0 and job.parked == 0:
        return JobStatus.FAILED
    return JobStatus.PARTIALLY_SUCCEEDED

"""Import jobs in PostgreSQL: the jobs, their files in chunks, rejected rows, first rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping

from app.adapters.db.connection import Executor
from app.adapters.db.intake.models import (
    import_errors,
    import_file_chunks,
    import_jobs,
    import_keys,
    ingest_events,
)
from app.domain.intake.imports import ImportKind, JobStatus, RowError
from app.services.intake.import_ports import ImportJob, Progress
from app.services.pagination import PageRequest

# A queued job, or a running one whose process stopped renewing its lease; SKIP LOCKED so
# that two replicas claiming at once take different jobs.
_CLAIM = text(
    """
    UPDATE import_jobs AS j
    SET status = 'running', claimed_by = :worker, lease_until = :until
    FROM (
        SELECT id FROM import_jobs
        WHERE status = 'queued' OR (status = 'running' AND lease_until <= :now)
        ORDER BY created_at, id
        LIMIT 1
        FOR UPDATE SKIP LOCKED
    ) AS c
    WHERE j.id = c.id
    RETURNING j.*
    """
)

_FIRST_ROWS = text(
    """
    WITH given AS (
        SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:rows AS bigint[])) AS g(external_id, r)
    ), added AS (
        INSERT INTO import_keys (job_id, external_id, first_row)
        SELECT :job, external_id, r FROM given
        ON CONFLICT (job_id, external_id) DO NOTHING
        RETURNING external_id, first_row
    )
    SELECT external_id, first_row FROM added
    UNION ALL
    SELECT k.external_id, k.first_row FROM import_keys AS k JOIN given AS g
        ON k.job_id = :job AND k.external_id = g.external_id
    """
)


def _job(row: RowMapping) -> ImportJob:
    return ImportJob(
        id=row["id"],
        kind=ImportKind(row["kind"]),
        status=JobStatus(row["status"]),
        source=row["source"],
        dry_run=row["dry_run"],
        file_sha256=row["file_sha256"],
        file_name=row["file_name"],
        file_format=row["file_format"],
        encoding=row["encoding"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        created_by_user=row["created_by_user"],
        total_rows=row["total_rows"],
        applied=row["applied"],
        rejected=row["rejected"],
        parked=row["parked"],
        next_row=row["next_row"],
        finished_at=row["finished_at"],
        problem=row["problem"],
    )


class SqlImportRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def find(self, kind: ImportKind, source: str, file_sha256: str) -> ImportJob | None:
        query = select(import_jobs).where(
            import_jobs.c.kind == kind.value,
            import_jobs.c.source == source,
            import_jobs.c.file_sha256 == file_sha256,
            import_jobs.c.dry_run.is_(False),
        )
        row = (await self.conn.execute(query)).mappings().first()
        return None if row is None else _job(row)

    async def add(self, job: ImportJob) -> ImportJob:
        values = {
            "id": job.id,
            "kind": job.kind.value,
            "status": job.status.value,
            "source": job.source,
            "dry_run": job.dry_run,
            "file_sha256": job.file_sha256,
            "file_name": job.file_name,
            "file_format": job.file_format,
            "encoding": job.encoding,
            "created_at": job.created_at,
            "created_by": job.created_by,
            "created_by_user": job.created_by_user,
            "total_rows": 0,
            "applied": 0,
            "rejected": 0,
            "parked": 0,
            "next_row": job.next_row,
            "finished_at": job.finished_at,
            "problem": job.problem,
        }
        statement = (
            pg_insert(import_jobs)
            .values(values)
            .on_conflict_do_nothing(
                index_elements=["kind", "source", "file_sha256"],
                index_where=text("NOT dry_run"),
            )
            .returning(import_jobs.c.id)
        )
        if (await self.conn.execute(statement)).first() is not None:
            return job
        found = await self.find(job.kind, job.source, job.file_sha256)
        assert found is not None  # the conflicting row committed before we could see it
        return found

    async def add_file_chunk(self, job_id: UUID, seq: int, data: bytes) -> None:
        await self.conn.execute(
            insert(import_file_chunks).values(job_id=job_id, seq=seq, data=data)
        )

    async def file_chunks(self, job_id: UUID) -> AsyncIterator[bytes]:
        seq = 0
        while True:
            query = select(import_file_chunks.c.data).where(
                import_file_chunks.c.job_id == job_id, import_file_chunks.c.seq == seq
            )
            data = (await self.conn.execute(query)).scalar()
            if data is None:
                return
            yield bytes(data)
            seq += 1

    async def drop_file(self, job_id: UUID) -> None:
        await self.conn.execute(
            delete(import_file_chunks).where(import_file_chunks.c.job_id == job_id)
        )
        await self.conn.execute(delete(import_keys).where(import_keys.c.job_id == job_id))

    async def get(self, job_id: UUID) -> ImportJob | None:
        query = select(import_jobs).where(import_jobs.c.id == job_id)
        row = (await self.conn.execute(query)).mappings().first()
        return None if row is None else _job(row)

    async def list(self, status: JobStatus | None, page: PageRequest) -> Sequence[ImportJob]:
        query = select(import_jobs).order_by(import_jobs.c.id.desc()).limit(page.limit + 1)
        if status is not None:
            query = query.where(import_jobs.c.status == status.value)
        if page.after is not None:
            query = query.where(import_jobs.c.id < page.after_uuid())
        return [_job(r) for r in (await self.conn.execute(query)).mappings()]

    async def claim(self, worker: str, now: datetime, lease_s: float) -> ImportJob | None:
        params = {"worker": worker, "now": now, "until": now + timedelta(seconds=lease_s)}
        row = (await self.conn.execute(_CLAIM, params)).mappings().first()
        return None if row is None else _job(row)

    async def record(
        self, job_id: UUID, worker: str, progress: Progress, now: datetime, lease_s: float
    ) -> bool:
        c = import_jobs.c
        statement = (
            update(import_jobs)
            .where(c.id == job_id, c.claimed_by == worker, c.status == "running")
            .values(
                next_row=progress.next_row,
                total_rows=c.total_rows + progress.rows,
                applied=c.applied + progress.applied,
                rejected=c.rejected + progress.rejected,
                parked=c.parked + progress.parked,
                lease_until=now + timedelta(seconds=lease_s),
            )
            .returning(c.id)
        )
        return (await self.conn.execute(statement)).first() is not None

    async def release(self, worker: str, now: datetime) -> int:
        c = import_jobs.c
        statement = (
            update(import_jobs)
            .where(c.claimed_by == worker, c.status == "running")
            .values(lease_until=now)
            .returning(c.id)
        )
        return len((await self.conn.execute(statement)).all())

    async def finish(
        self, job_id: UUID, status: JobStatus, now: datetime, problem: str | None = None
    ) -> None:
        await self.conn.execute(
            update(import_jobs)
            .where(import_jobs.c.id == job_id)
            .values(
                status=status.value,
                finished_at=now,
                problem=problem,
                claimed_by=None,
                lease_until=None,
            )
        )

    async def add_errors(self, job_id: UUID, errors: Sequence[RowError]) -> None:
        if not errors:
            return
        rows = [
            {
                "job_id": job_id,
                "row_number": e.row,
                "column_name": e.column,
                "value": e.value,
                "message": e.message,
            }
            for e in errors
        ]
        await self.conn.execute(pg_insert(import_errors).on_conflict_do_nothing(), rows)

    async def errors(self, job_id: UUID) -> AsyncIterator[RowError]:
        after: tuple[int, str] = (0, "")
        c = import_errors.c
        while True:
            query = (
                select(c.row_number, c.column_name, c.value, c.message)
                .where(c.job_id == job_id)
                .where(tuple_(c.row_number, c.column_name) > tuple_(*after))
                .order_by(c.row_number, c.column_name)
                .limit(1000)
            )
            rows = (await self.conn.execute(query)).all()
            for row in rows:
                yield RowError(row[0], row[1], row[2], row[3])
            if len(rows) < 1000:
                return
            after = (rows[-1][0], rows[-1][1])

    async def first_rows(self, job_id: UUID, keys: Mapping[str, int]) -> dict[str, int]:
        params: dict[str, Any] = {
            "job": job_id,
            "ids": list(keys),
            "rows": list(keys.values()),
        }
        rows = (await self.conn.execute(_FIRST_ROWS, params)).all()
        return {row[0]: row[1] for row in rows}

    async def stored_outcomes(
        self, source: str, event_ids: Sequence[str]
    ) -> dict[str, tuple[str, Mapping[str, Any] | None]]:
        c = ingest_events.c
        query = select(c.event_id, c.status, c.problem).where(
            c.source == source, c.event_id.in_(event_ids)
        )
        return {row[0]: (row[1], row[2]) for row in (await self.conn.execute(query)).all()}

"""Ports of bulk import: the jobs, their files while they run, their rejected rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from app.domain.intake.imports import ImportKind, JobStatus, RowError
from app.services.intake.ports import IntakeUnitOfWork
from app.services.pagination import PageRequest


@dataclass(frozen=True, slots=True)
class ImportJob:
    id: UUID
    kind: ImportKind
    status: JobStatus
    source: str
    dry_run: bool
    file_sha256: str
    file_name: str
    file_format: str  # csv | xlsx
    encoding: str | None  # a CSV's, detected at upload
    created_at: datetime
    created_by: str
    created_by_user: str | None = None
    total_rows: int = 0
    applied: int = 0
    rejected: int = 0
    parked: int = 0
    next_row: int = 2  # the file row to go on from (the header is row 1)
    finished_at: datetime | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """What one batch of rows did, written with the row to go on from."""

    next_row: int
    rows: int = 0
    applied: int = 0
    rejected: int = 0
    parked: int = 0


class ImportRepository(Protocol):
    async def find(self, kind: ImportKind, source: str, file_sha256: str) -> ImportJob | None:
        """The job of a real (not dry) upload of this file, if any."""

    async def add(self, job: ImportJob) -> ImportJob:
        """Inserts the job; a concurrent upload of the same file wins: its job is returned."""

    async def add_file_chunk(self, job_id: UUID, seq: int, data: bytes) -> None: ...

    def file_chunks(self, job_id: UUID) -> AsyncIterator[bytes]:
        """The job's file, in order, one stored chunk at a time."""

    async def drop_file(self, job_id: UUID) -> None: ...

    async def get(self, job_id: UUID) -> ImportJob | None: ...

    async def list(self, status: JobStatus | None, page: PageRequest) -> Sequence[ImportJob]: ...

    async def claim(self, worker: str, now: datetime, lease_s: float) -> ImportJob | None:
        """A queued job, or a running one whose lease ran out (its process died); SKIP LOCKED
        so that replicas take different jobs."""

    async def record(
        self, job_id: UUID, worker: str, progress: Progress, now: datetime, lease_s: float
    ) -> bool:
        """Adds a batch's counts and moves ``next_row`` on, extending the lease; False when
        the lease is no longer ``worker``'s (another process took the job over)."""

    async def release(self, worker: str, now: datetime) -> int:
        """Ends the leases ``worker`` holds (it is stopping): another process may take its
        jobs over at once. Returns how many."""

    async def finish(
        self, job_id: UUID, status: JobStatus, now: datetime, problem: str | None = None
    ) -> None: ...

    async def add_errors(self, job_id: UUID, errors: Sequence[RowError]) -> None:
        """Stores rejected rows; a row and column stored already is kept as it is."""

    def errors(self, job_id: UUID) -> AsyncIterator[RowError]: ...

    async def first_rows(self, job_id: UUID, keys: Mapping[str, int]) -> dict[str, int]:
        """Remembers each external id's first row in the file; returns every key's first
        row (its own row, or an earlier one: a duplicate)."""

    async def stored_outcomes(
        self, source: str, event_ids: Sequence[str]
    ) -> dict[str, tuple[str, Mapping[str, Any] | None]]:
        """Status and problem of events stored already (a batch sent again after a crash)."""


class ImportsUnitOfWork(IntakeUnitOfWork, Protocol):
    @property
    def imports(self) -> ImportRepository: ...


@dataclass(frozen=True, slots=True)
class FileInfo:
    format: str  # csv | xlsx
    encoding: str | None  # a CSV's
    header: Sequence[object] | None  # the first row; None when the file has no row


class ImportFiles(Protocol):
    """Reading uploaded files and writing templates (an adapter: CSV, XLSX)."""

    def inspect(self, path: Path) -> FileInfo:
        """Format, encoding and header row; raises UnreadableFile (422)."""

    def template(self, kind: ImportKind, lang: str, fmt: str) -> bytes: ...

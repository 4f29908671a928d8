"""Inbound events (migration 0009_ingestion) and import jobs (0016_imports)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field

from app.adapters.db.metadata import ID, JSON, TIMESTAMP, TableModel

INGEST_STATUS_SQL = "status IN ('parked', 'applied', 'rejected')"


# One row per inbound event, unique by (source, event_id): the key that makes a repeat a
# duplicate. ``subject`` and ``waits_for`` hold record keys ("invoice:INV-1"); parked
# events are found by what they wait for (GIN), staleness by subject and occurred_at.
class IngestEventRow(TableModel, table=True):
    __tablename__ = "ingest_events"
    __table_args__ = (
        UniqueConstraint("source", "event_id"),
        CheckConstraint(INGEST_STATUS_SQL, name="status"),
        Index("ix_ingest_events_status_id", "status", "id"),
        Index("ix_ingest_events_source_id", "source", "id"),
        Index(
            "ix_ingest_events_waits_for",
            "waits_for",
            postgresql_using="gin",
            postgresql_where=text("status = 'parked'"),
        ),
        Index(
            "ix_ingest_events_subject_occurred_at",
            "subject",
            "occurred_at",
            postgresql_where=text("status = 'applied'"),
        ),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    source: str = Field(sa_type=Text)
    event_id: str = Field(sa_type=Text)
    type: str = Field(sa_type=Text)
    subject: str | None = Field(sa_type=Text)
    occurred_at: datetime | None = Field(sa_type=TIMESTAMP)
    received_at: datetime = Field(sa_type=TIMESTAMP)
    status: str = Field(sa_type=Text)
    waits_for: list[str] = Field(
        sa_type=ARRAY(Text), sa_column_kwargs={"server_default": text("'{}'::text[]")}
    )
    payload: JSON = Field(sa_type=JSONB)
    problem: JSON | None = Field(sa_type=JSONB)
    note: str | None = Field(sa_type=Text)
    sent_by: str = Field(sa_type=Text)
    sent_by_user: str | None = Field(sa_type=Text)
    applied_at: datetime | None = Field(sa_type=TIMESTAMP)


ingest_events: Table = IngestEventRow.__table__


IMPORT_STATUS_SQL = "status IN ('queued', 'running', 'succeeded', 'partially_succeeded', 'failed')"


# One row per upload. A real (not dry) upload of a file is unique by kind, source and the
# file's SHA-256: the same file again answers the same job. ``claimed_by``/``lease_until``
# say which process runs it; a lease that ran out means that process died.
class ImportJobRow(TableModel, table=True):
    __tablename__ = "import_jobs"
    __table_args__ = (
        CheckConstraint(IMPORT_STATUS_SQL, name="status"),
        Index(
            "uq_import_jobs_kind_source_file_sha256",
            "kind",
            "source",
            "file_sha256",
            unique=True,
            postgresql_where=text("NOT dry_run"),
        ),
        Index(
            "ix_import_jobs_unfinished",
            "created_at",
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
        Index("ix_import_jobs_status_id", "status", "id"),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    kind: str = Field(sa_type=Text)
    status: str = Field(sa_type=Text)
    source: str = Field(sa_type=Text)
    dry_run: bool = Field(sa_type=Boolean)
    file_sha256: str = Field(sa_type=Text)
    file_name: str = Field(sa_type=Text)
    file_format: str = Field(sa_type=Text)
    encoding: str | None = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    created_by: str = Field(sa_type=Text)
    created_by_user: str | None = Field(sa_type=Text)
    total_rows: int = Field(sa_type=BigInteger)
    applied: int = Field(sa_type=BigInteger)
    rejected: int = Field(sa_type=BigInteger)
    parked: int = Field(sa_type=BigInteger)
    next_row: int = Field(sa_type=BigInteger)
    claimed_by: str | None = Field(sa_type=Text)
    lease_until: datetime | None = Field(sa_type=TIMESTAMP)
    finished_at: datetime | None = Field(sa_type=TIMESTAMP)
    problem: str | None = Field(sa_type=Text)


# The uploaded file while its job runs, in chunks (so neither side holds it whole).
class ImportFileChunkRow(TableModel, table=True):
    __tablename__ = "import_file_chunks"

    job_id: UUID = Field(
        sa_type=ID,
        sa_column_args=[ForeignKey("import_jobs.id", ondelete="CASCADE")],
        primary_key=True,
    )
    seq: int = Field(sa_type=Integer, primary_key=True)
    data: bytes = Field(sa_type=LargeBinary)


# Rejected rows: the errors file (row, column, value, message).
class ImportErrorRow(TableModel, table=True):
    __tablename__ = "import_errors"

    job_id: UUID = Field(
        sa_type=ID,
        sa_column_args=[ForeignKey("import_jobs.id", ondelete="CASCADE")],
        primary_key=True,
    )
    row_number: int = Field(sa_type=BigInteger, primary_key=True)
    column_name: str = Field(sa_type=Text, primary_key=True)
    value: str = Field(sa_type=Text)
    message: str = Field(sa_type=Text)


# Each external id's first row in the file while the job runs: a later row is a duplicate.
class ImportKeyRow(TableModel, table=True):
    __tablename__ = "import_keys"

    job_id: UUID = Field(
        sa_type=ID,
        sa_column_args=[ForeignKey("import_jobs.id", ondelete="CASCADE")],
        primary_key=True,
    )
    external_id: str = Field(sa_type=Text, primary_key=True)
    first_row: int = Field(sa_type=BigInteger)


import_jobs: Table = ImportJobRow.__table__
import_file_chunks: Table = ImportFileChunkRow.__table__
import_errors: Table = ImportErrorRow.__table__
import_keys: Table = ImportKeyRow.__table__

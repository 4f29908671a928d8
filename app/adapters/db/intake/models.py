"""Inbound events (migration 0009_ingestion)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    CheckConstraint,
    Index,
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

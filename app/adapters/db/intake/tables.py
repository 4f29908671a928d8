"""Inbound events (migration 0009_ingestion)."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from app.adapters.db.metadata import TIMESTAMP, metadata

INGEST_STATUS_SQL = "status IN ('parked', 'applied', 'rejected')"

# One row per inbound event, unique by (source, event_id): the key that makes a repeat a
# duplicate. ``subject`` and ``waits_for`` hold record keys ("invoice:INV-1"); parked
# events are found by what they wait for (GIN), staleness by subject and occurred_at.
ingest_events = Table(
    "ingest_events",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("source", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("subject", Text),
    Column("occurred_at", TIMESTAMP),
    Column("received_at", TIMESTAMP, nullable=False),
    Column("status", Text, nullable=False),
    Column("waits_for", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
    Column("payload", JSONB, nullable=False),
    Column("problem", JSONB),
    Column("note", Text),
    Column("sent_by", Text, nullable=False),
    Column("sent_by_user", Text),
    Column("applied_at", TIMESTAMP),
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

"""The test clock (migration 0004_test_clock) and the findings of the scheduled jobs
(migration 0007_scheduler)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Integer,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from app.adapters.db.metadata import TIMESTAMP, metadata

test_clock = Table(
    "test_clock",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("offset_us", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

STANDING_INSTALLMENT_FINDING_SQL = "kind = 'installment.overdue' AND cleared_at IS NULL"

# Every finding of a scheduled job, once: the primary key is its natural key, so a job that
# runs twice (or in two processes at once) inserts nothing new and so emits nothing new.
# ``cleared_at`` marks an installment found overdue that no longer is (overdue-summary).
findings = Table(
    "findings",
    metadata,
    Column("kind", Text, primary_key=True),
    Column("subject_id", UUID(as_uuid=True), primary_key=True),
    Column("key", Text, primary_key=True),
    Column("customer_id", UUID(as_uuid=True)),
    Column("found_at", TIMESTAMP, nullable=False),
    Column("cleared_at", TIMESTAMP),
    Index(
        "ix_findings_standing_installments",
        "customer_id",
        postgresql_where=text(STANDING_INSTALLMENT_FINDING_SQL),
    ),
)

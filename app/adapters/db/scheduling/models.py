"""The test clock (migration 0004_test_clock) and the findings of the scheduled jobs
(migration 0007_scheduler)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    Table,
    Text,
    text,
)
from sqlmodel import Field

from app.adapters.db.metadata import ID, TIMESTAMP, TableModel


class TestClockRow(TableModel, table=True):
    __tablename__ = "test_clock"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: int = Field(sa_type=Integer, primary_key=True)
    offset_us: int = Field(sa_type=BigInteger)


test_clock: Table = TestClockRow.__table__

STANDING_INSTALLMENT_FINDING_SQL = "kind = 'installment.overdue' AND cleared_at IS NULL"


# Every finding of a scheduled job, once: the primary key is its natural key, so a job that
# runs twice (or in two processes at once) inserts nothing new and so emits nothing new.
# ``cleared_at`` marks an installment found overdue that no longer is (overdue-summary).
class FindingRow(TableModel, table=True):
    __tablename__ = "findings"
    __table_args__ = (
        Index(
            "ix_findings_standing_installments",
            "customer_id",
            postgresql_where=text(STANDING_INSTALLMENT_FINDING_SQL),
        ),
    )

    kind: str = Field(sa_type=Text, primary_key=True)
    subject_id: UUID = Field(sa_type=ID, primary_key=True)
    key: str = Field(sa_type=Text, primary_key=True)
    customer_id: UUID | None = Field(sa_type=ID)
    found_at: datetime = Field(sa_type=TIMESTAMP)
    cleared_at: datetime | None = Field(sa_type=TIMESTAMP)


findings: Table = FindingRow.__table__

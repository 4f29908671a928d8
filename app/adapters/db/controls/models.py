"""The approval policy, approval requests and the audit trail (migration 0015_controls)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field

from app.adapters.db.metadata import ID, JSON, MONEY, TIMESTAMP, TableModel, Xid8


class ApprovalPolicyRow(TableModel, table=True):
    __tablename__ = "approval_policy"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: int = Field(sa_type=Integer, primary_key=True)
    rules: JSON = Field(sa_type=JSONB)
    version: int = Field(sa_type=Integer)
    updated_at: datetime = Field(sa_type=TIMESTAMP)
    updated_by: str | None = Field(sa_type=Text)


approval_policy: Table = ApprovalPolicyRow.__table__


class ApprovalRequestRow(TableModel, table=True):
    __tablename__ = "approval_requests"
    __table_args__ = (
        Index("ix_approval_requests_requested_at_id", "requested_at", "id"),
        # The expiry job's queue: pending requests by expiry.
        Index(
            "ix_approval_requests_expires_at",
            "expires_at",
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    action: str = Field(sa_type=Text)
    subject: str = Field(sa_type=Text)
    payload: JSON = Field(sa_type=JSONB)
    stake_amount: Decimal | None = Field(sa_type=MONEY)
    stake_currency: str | None = Field(sa_type=Text)
    requested_by: str = Field(sa_type=Text)
    requested_key: str = Field(sa_type=Text)
    requested_at: datetime = Field(sa_type=TIMESTAMP)
    expires_at: datetime = Field(sa_type=TIMESTAMP)
    approvers: list[str] = Field(sa_type=ARRAY(Text))
    required: int = Field(sa_type=SmallInteger)
    status: str = Field(sa_type=Text)
    decisions: JSON = Field(sa_type=JSONB)
    result: JSON | None = Field(sa_type=JSONB)
    version: int = Field(sa_type=Integer)


approval_requests: Table = ApprovalRequestRow.__table__


# One entry per change, written with the change's outbox event (the unit of work).
# ``xid`` orders reads the way the event feed does (see docs/delivery.md). A trigger refuses
# UPDATE, DELETE and TRUNCATE (migration 0015), but for the retention job's deletes.
class AuditLogRow(TableModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (
        # The reading order (see above), and the primary key: one index fewer to write.
        PrimaryKeyConstraint("xid", "position"),
        Index("ix_audit_log_subject_xid_position", "subject", "xid", "position"),
        # Ingested changes name no person: they stay out of this index.
        Index(
            "ix_audit_log_actor_xid_position",
            "actor",
            "xid",
            "position",
            postgresql_where=text("actor IS NOT NULL"),
        ),
        Index("ix_audit_log_at", "at", postgresql_using="brin"),
    )

    position: int = Field(sa_type=BigInteger, sa_column_args=[Identity(always=True)])
    id: UUID = Field(sa_type=ID)
    at: datetime = Field(sa_type=TIMESTAMP)
    actor: str | None = Field(sa_type=Text)
    key_name: str = Field(sa_type=Text)
    request_id: str | None = Field(sa_type=Text)
    action: str = Field(sa_type=Text)
    subject: str = Field(sa_type=Text)
    changes: JSON = Field(sa_type=JSONB)
    xid: int = Field(
        sa_type=Xid8(),
        sa_column_kwargs={"server_default": text("pg_current_xact_id()")},
    )


audit_log: Table = AuditLogRow.__table__

"""The outbox, webhook endpoints and deliveries (migration 0003_event_delivery)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field

from app.adapters.db.metadata import ID, JSON, TIMESTAMP, TableModel, Xid8, created_now


# The outbox. ``position`` is a monotonic sequence; ``xid`` is the writing transaction's id,
# so that the event feed can read in commit-safe order (see docs/delivery.md).
class OutboxEventRow(TableModel, table=True):
    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_events_xid_position", "xid", "position"),
        Index("ix_outbox_events_type_xid_position", "type", "xid", "position"),
        Index("ix_outbox_events_subject_xid_position", "subject", "xid", "position"),
        Index("ix_outbox_events_time", "time", postgresql_using="brin"),
    )

    position: int = Field(
        sa_type=BigInteger, primary_key=True, sa_column_args=[Identity(always=True)]
    )
    id: UUID = Field(sa_type=ID, unique=True)
    type: str = Field(sa_type=Text)
    source: str = Field(sa_type=Text)
    subject: str = Field(sa_type=Text)
    time: datetime = Field(sa_type=TIMESTAMP)
    data: JSON = Field(sa_type=JSONB)
    xid: int = Field(
        sa_type=Xid8(), sa_column_kwargs={"server_default": text("pg_current_xact_id()")}
    )
    created_at: datetime = Field(sa_column=created_now())


outbox_events: Table = OutboxEventRow.__table__


# Outbox events not yet fanned out to deliveries. A trigger on outbox_events fills it in
# the inserting transaction (migration 0003); the relay deletes what it fans out.
class OutboxPendingRow(TableModel, table=True):
    __tablename__ = "outbox_pending"

    position: int = Field(
        sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )


outbox_pending: Table = OutboxPendingRow.__table__


class WebhookEndpointRow(TableModel, table=True):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        CheckConstraint("format IN ('cloudevents','wecom','dingtalk','feishu')", name="format"),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    url: str = Field(sa_type=Text)
    event_types: list[str] = Field(sa_type=ARRAY(Text))
    description: str | None = Field(sa_type=Text)
    enabled: bool = Field(sa_type=Boolean)
    disabled_reason: str | None = Field(sa_type=Text)
    secret: str = Field(sa_type=Text)
    previous_secret: str | None = Field(sa_type=Text)
    previous_secret_expires_at: datetime | None = Field(sa_type=TIMESTAMP)
    # Since when every attempt has failed (NULL after any success): the disable-after rule.
    failing_since: datetime | None = Field(sa_type=TIMESTAMP)
    # cloudevents (signed Standard Webhooks) or a chat robot's markdown (migration 0017).
    format: str = Field(sa_type=Text, sa_column_kwargs={"server_default": "cloudevents"})
    version: int = Field(sa_type=Integer)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    updated_at: datetime = Field(sa_type=TIMESTAMP)


webhook_endpoints: Table = WebhookEndpointRow.__table__


# One row per (event, subscribed endpoint). ``attempts`` keeps every attempt's outcome;
# ``leased_until``/``lease_token`` mark a row a relay is sending right now.
class WebhookDeliveryRow(TableModel, table=True):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        CheckConstraint("status IN ('pending','delivered','failed')", name="status"),
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
        Index(
            "ix_webhook_deliveries_due",
            "endpoint_id",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_webhook_deliveries_created_at", "created_at", postgresql_using="brin"),
    )

    id: UUID = Field(
        sa_type=ID,
        primary_key=True,
        sa_column_kwargs={"server_default": text("huikuan_uuidv7()")},
    )
    endpoint_id: UUID = Field(sa_type=ID, foreign_key="webhook_endpoints.id", ondelete="CASCADE")
    event_id: UUID = Field(sa_type=ID, foreign_key="outbox_events.id")
    event_type: str = Field(sa_type=Text)
    status: str = Field(sa_type=Text)
    attempt_count: int = Field(sa_type=Integer, sa_column_kwargs={"server_default": "0"})
    allowed_attempts: int = Field(sa_type=Integer)
    next_attempt_at: datetime | None = Field(sa_type=TIMESTAMP)
    leased_until: datetime | None = Field(sa_type=TIMESTAMP)
    lease_token: UUID | None = Field(sa_type=ID)
    last_status_code: int | None = Field(sa_type=Integer)
    last_error: str | None = Field(sa_type=Text)
    delivered_at: datetime | None = Field(sa_type=TIMESTAMP)
    attempts: JSON = Field(sa_type=JSONB, sa_column_kwargs={"server_default": text("'[]'::jsonb")})
    created_at: datetime = Field(sa_type=TIMESTAMP)
    updated_at: datetime = Field(sa_type=TIMESTAMP)


webhook_deliveries: Table = WebhookDeliveryRow.__table__


# Where the stream publisher is in the feed's (xid, position) order: everything up to it
# has been acknowledged by JetStream (migration 0017_stream).
class StreamCursorRow(TableModel, table=True):
    __tablename__ = "stream_cursors"

    stream: str = Field(sa_type=Text, primary_key=True)
    xid: int = Field(sa_type=Xid8())
    position: int = Field(sa_type=BigInteger)
    updated_at: datetime = Field(sa_type=TIMESTAMP)


stream_cursors: Table = StreamCursorRow.__table__

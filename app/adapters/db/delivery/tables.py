"""The outbox, webhook endpoints and deliveries (migration 0003_event_delivery)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from app.adapters.db.metadata import TIMESTAMP, Xid8, created_now, metadata

# The outbox. ``position`` is a monotonic sequence; ``xid`` is the writing transaction's id,
# so that the event feed can read in commit-safe order (see docs/delivery.md).
outbox_events = Table(
    "outbox_events",
    metadata,
    Column("position", BigInteger, Identity(always=True), primary_key=True),
    Column("id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("type", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("time", TIMESTAMP, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("xid", Xid8(), nullable=False, server_default=text("pg_current_xact_id()")),
    created_now(),
    Index("ix_outbox_events_xid_position", "xid", "position"),
    Index("ix_outbox_events_type_xid_position", "type", "xid", "position"),
    Index("ix_outbox_events_subject_xid_position", "subject", "xid", "position"),
    Index("ix_outbox_events_time", "time", postgresql_using="brin"),
)

# Outbox events not yet fanned out to deliveries. A trigger on outbox_events fills it in
# the inserting transaction (migration 0003); the relay deletes what it fans out.
outbox_pending = Table(
    "outbox_pending",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("url", Text, nullable=False),
    Column("event_types", ARRAY(Text), nullable=False),
    Column("description", Text),
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", Text),
    Column("secret", Text, nullable=False),
    Column("previous_secret", Text),
    Column("previous_secret_expires_at", TIMESTAMP),
    # Since when every attempt has failed (NULL after any success): the disable-after rule.
    Column("failing_since", TIMESTAMP),
    Column("version", Integer, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
)

# One row per (event, subscribed endpoint). ``attempts`` keeps every attempt's outcome;
# ``leased_until``/``lease_token`` mark a row a relay is sending right now.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("huikuan_uuidv7()")),
    Column(
        "endpoint_id",
        UUID(as_uuid=True),
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_id", UUID(as_uuid=True), ForeignKey("outbox_events.id"), nullable=False),
    Column("event_type", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("attempt_count", Integer, nullable=False, server_default="0"),
    Column("allowed_attempts", Integer, nullable=False),
    Column("next_attempt_at", TIMESTAMP),
    Column("leased_until", TIMESTAMP),
    Column("lease_token", UUID(as_uuid=True)),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("delivered_at", TIMESTAMP),
    Column("attempts", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
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

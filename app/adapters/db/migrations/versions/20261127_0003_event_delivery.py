"""Event delivery: webhook endpoints, one delivery row per (event, endpoint), the queue of
events waiting for fan-out, and indexes for the commit-safe event feed.

``outbox_pending`` holds the position of every outbox event not yet fanned out. A
statement-level trigger fills it in the inserting transaction, whoever inserts (the unit
of work or a set-based job), so the outbox itself is never updated: the relay deletes from
the small queue instead of rewriting outbox rows and all their indexes.

These tables behave like queues: rows are inserted, updated once or a few times or
deleted at once, and the ``outbox-cleanup`` job deletes the rest. The default autovacuum
thresholds (20 % of the table) let dead tuples pile up between runs on such tables, which
slows the claim and fan-out scans, so they get small scale factors, a fixed threshold and
no cost delay: vacuum runs often and finishes quickly. ``webhook_deliveries`` also leaves 20 % of
each page free so that the lease updates (columns outside every index) stay HOT, and has
as few btree indexes as its reads allow, since each outcome written updates them all.

Revision ID: 0003_event_delivery
Revises: 0002_receivables
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision: str = "0003_event_delivery"
down_revision: str | Sequence[str] | None = "0002_receivables"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)

QUEUE_STORAGE = (
    "autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, "
    "autovacuum_vacuum_insert_scale_factor = 0.05, autovacuum_analyze_scale_factor = 0.02, "
    "autovacuum_vacuum_cost_delay = 0"
)
DEFAULT_STORAGE = (
    "autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, "
    "autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor, "
    "autovacuum_vacuum_cost_delay"
)

# A time-ordered UUID (RFC 9562 version 7) made in SQL, for delivery rows that the relay
# inserts set-based (INSERT ... SELECT): milliseconds since the epoch, then random bits.
UUIDV7_FUNCTION = """
CREATE FUNCTION huikuan_uuidv7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
              PLACING substring(
                int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
              FROM 1 FOR 6),
      52, 1), 53, 1),
    'hex')::uuid
$$
"""

QUEUE_FUNCTION = """
CREATE FUNCTION huikuan_queue_outbox_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox_pending (position) SELECT position FROM new_events;
  RETURN NULL;
END
$$
"""
QUEUE_TRIGGER = """
CREATE TRIGGER outbox_events_queue_for_fan_out
AFTER INSERT ON outbox_events REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT EXECUTE FUNCTION huikuan_queue_outbox_events()
"""


def upgrade() -> None:
    op.execute(UUIDV7_FUNCTION)
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", pg.UUID(as_uuid=True)),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("event_types", pg.ARRAY(sa.Text), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("disabled_reason", sa.Text),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("previous_secret", sa.Text),
        sa.Column("previous_secret_expires_at", TS),
        sa.Column("failing_since", TS),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_endpoints"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", pg.UUID(as_uuid=True), server_default=sa.text("huikuan_uuidv7()")),
        sa.Column("endpoint_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("event_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempt_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("allowed_attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS),
        sa.Column("leased_until", TS),
        sa.Column("lease_token", pg.UUID(as_uuid=True)),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("delivered_at", TS),
        sa.Column("attempts", pg.JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name="fk_webhook_deliveries_endpoint_id_webhook_endpoints",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outbox_events.id"],
            name="fk_webhook_deliveries_event_id_outbox_events",
        ),
        sa.UniqueConstraint(
            "event_id", "endpoint_id", name="uq_webhook_deliveries_event_id_endpoint_id"
        ),
        sa.CheckConstraint(
            "status IN ('pending','delivered','failed')", name=op.f("ck_webhook_deliveries_status")
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_endpoint_id_id", "webhook_deliveries", ["endpoint_id", "id"]
    )
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["endpoint_id", "next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    # Retention scans by creation time; BRIN costs next to nothing on each insert.
    op.create_index(
        "ix_webhook_deliveries_created_at",
        "webhook_deliveries",
        ["created_at"],
        postgresql_using="brin",
    )
    op.execute(f"ALTER TABLE webhook_deliveries SET (fillfactor = 80, {QUEUE_STORAGE})")

    op.create_table(
        "outbox_pending",
        sa.Column("position", sa.BigInteger),
        sa.PrimaryKeyConstraint("position", name="pk_outbox_pending"),
    )
    op.execute(f"ALTER TABLE outbox_pending SET ({QUEUE_STORAGE})")
    op.execute(QUEUE_FUNCTION)
    op.execute(QUEUE_TRIGGER)
    # The feed reads in (xid, position) order, optionally for one type or one subject.
    op.drop_index("ix_outbox_events_type_position", table_name="outbox_events")
    op.create_index("ix_outbox_events_xid_position", "outbox_events", ["xid", "position"])
    op.create_index(
        "ix_outbox_events_type_xid_position", "outbox_events", ["type", "xid", "position"]
    )
    op.create_index(
        "ix_outbox_events_subject_xid_position", "outbox_events", ["subject", "xid", "position"]
    )
    # Retention deletes by event time; BRIN stays tiny on a column that grows with position.
    op.create_index("ix_outbox_events_time", "outbox_events", ["time"], postgresql_using="brin")
    op.execute(f"ALTER TABLE outbox_events SET ({QUEUE_STORAGE})")


def downgrade() -> None:
    op.execute(f"ALTER TABLE outbox_events RESET ({DEFAULT_STORAGE})")
    op.drop_index("ix_outbox_events_time", table_name="outbox_events")
    op.drop_index("ix_outbox_events_subject_xid_position", table_name="outbox_events")
    op.drop_index("ix_outbox_events_type_xid_position", table_name="outbox_events")
    op.drop_index("ix_outbox_events_xid_position", table_name="outbox_events")
    op.create_index("ix_outbox_events_type_position", "outbox_events", ["type", "position"])
    op.execute("DROP TRIGGER outbox_events_queue_for_fan_out ON outbox_events")
    op.execute("DROP FUNCTION huikuan_queue_outbox_events()")
    op.drop_table("outbox_pending")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
    op.execute("DROP FUNCTION huikuan_uuidv7()")

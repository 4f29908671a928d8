"""Ingestion: inbound ERP/CRM events, unique by (source, event_id); the outbox notifies by
trigger.

The statement-level trigger sends ``NOTIFY huikuan_outbox`` (delivered at commit) for
every statement that inserts outbox events, so no use case pays a round trip for it.

Revision ID: 0009_ingestion
Revises: 0008_reports
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision: str = "0009_ingestion"
down_revision: str | Sequence[str] | None = "0008_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ingest_events",
        sa.Column("id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("subject", sa.Text),
        sa.Column("occurred_at", TS),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column(
            "waits_for",
            pg.ARRAY(sa.Text),
            nullable=False,
            server_default=sa.text("'{}'::text[]"),
        ),
        sa.Column("payload", pg.JSONB, nullable=False),
        sa.Column("problem", pg.JSONB),
        sa.Column("note", sa.Text),
        sa.Column("sent_by", sa.Text, nullable=False),
        sa.Column("sent_by_user", sa.Text),
        sa.Column("applied_at", TS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_events")),
        sa.UniqueConstraint("source", "event_id", name=op.f("uq_ingest_events_source_event_id")),
        sa.CheckConstraint(
            "status IN ('parked', 'applied', 'rejected')", name=op.f("ck_ingest_events_status")
        ),
    )
    op.create_index("ix_ingest_events_status_id", "ingest_events", ["status", "id"])
    op.create_index("ix_ingest_events_source_id", "ingest_events", ["source", "id"])
    op.create_index(
        "ix_ingest_events_waits_for",
        "ingest_events",
        ["waits_for"],
        postgresql_using="gin",
        postgresql_where=sa.text("status = 'parked'"),
    )
    op.create_index(
        "ix_ingest_events_subject_occurred_at",
        "ingest_events",
        ["subject", "occurred_at"],
        postgresql_where=sa.text("status = 'applied'"),
    )
    op.execute(
        """
        CREATE FUNCTION huikuan_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('huikuan_outbox', '');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION huikuan_outbox_notify()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER outbox_events_notify ON outbox_events")
    op.execute("DROP FUNCTION huikuan_outbox_notify()")
    op.drop_table("ingest_events")

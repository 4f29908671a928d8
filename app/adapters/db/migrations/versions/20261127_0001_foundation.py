"""Foundation: API keys, customers, the outbox and Idempotency-Key claims.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision: str = "0001_foundation"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
MONEY = sa.Numeric(20, 4)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("scopes", pg.ARRAY(sa.Text), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_table(
        "customers",
        sa.Column("id", pg.UUID(as_uuid=True)),
        sa.Column("external_id", sa.Text),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("credit_rating", sa.String(1)),
        sa.Column("credit_limit", MONEY),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payment_terms_days", sa.Integer, nullable=False),
        sa.Column("contacts", pg.JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint("external_id", name="uq_customers_external_id"),
        sa.CheckConstraint("credit_rating IN ('A','B','C','D')", name="ck_customers_credit_rating"),
        sa.CheckConstraint("credit_limit >= 0", name="ck_customers_credit_limit"),
    )
    op.create_table(
        "outbox_events",
        sa.Column("position", sa.BigInteger, sa.Identity(always=True)),
        sa.Column("id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("time", TS, nullable=False),
        sa.Column("data", pg.JSONB, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("position", name="pk_outbox_events"),
        sa.UniqueConstraint("id", name="uq_outbox_events_id"),
    )
    # xid8: the writing transaction's id, for the commit-safe event feed (PostgreSQL >= 13).
    op.execute(
        "ALTER TABLE outbox_events ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id()"
    )
    op.create_index("ix_outbox_events_type_position", "outbox_events", ["type", "position"])
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("lease_until", TS, nullable=False),
        sa.Column("committed_at", TS),
        sa.Column("response_status", sa.Integer),
        sa.Column("response_headers", pg.JSONB),
        sa.Column("response_body", sa.LargeBinary),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("outbox_events")
    op.drop_table("customers")
    op.drop_table("api_keys")

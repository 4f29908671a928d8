"""Controls: the approval policy, approval requests, the audit trail, fixed-actor keys.

``audit_log`` is append-only: a trigger refuses UPDATE, DELETE and TRUNCATE. The one way
out is the retention job's: it sets ``huikuan.audit_purge_before`` for its transaction and
may then delete rows older than that moment only (``HUIKUAN_AUDIT_RETENTION_DAYS``).

Revision ID: 0015_controls
Revises: 0017_stream
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015_controls"
down_revision: str | Sequence[str] | None = "0017_stream"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)

APPEND_ONLY = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    purge_before text := current_setting('huikuan.audit_purge_before', true);
BEGIN
    IF TG_OP = 'DELETE' AND purge_before IS NOT NULL AND purge_before <> ''
       AND OLD.at < purge_before::timestamptz THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'TRUNCATE' AND purge_before = 'infinity' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
TRIGGERS = (
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
)


def upgrade() -> None:
    op.add_column(
        "api_keys",
        sa.Column("fixed_actor", sa.Boolean(), nullable=False, server_default=sa.text("false")),
    )
    op.create_table(
        "approval_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rules", postgresql.JSONB(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_approval_policy_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_policy")),
    )
    op.create_table(
        "approval_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("stake_amount", sa.Numeric(20, 4), nullable=True),
        sa.Column("stake_currency", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("requested_key", sa.Text(), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("approvers", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("required", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("decisions", postgresql.JSONB(), nullable=False),
        sa.Column("result", postgresql.JSONB(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_requests")),
    )
    op.create_index(
        "ix_approval_requests_requested_at_id", "approval_requests", ["requested_at", "id"]
    )
    op.create_index(
        "ix_approval_requests_expires_at",
        "approval_requests",
        ["expires_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "audit_log",
        sa.Column("position", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("key_name", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("changes", postgresql.JSONB(), nullable=False),
    )
    # The primary key is the reading order (xid, position): one index fewer to write.
    op.execute(
        "ALTER TABLE audit_log ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id(), "
        "ADD CONSTRAINT pk_audit_log PRIMARY KEY (xid, position)"
    )
    op.create_index(
        "ix_audit_log_subject_xid_position", "audit_log", ["subject", "xid", "position"]
    )
    op.create_index(
        "ix_audit_log_actor_xid_position",
        "audit_log",
        ["actor", "xid", "position"],
        postgresql_where=sa.text("actor IS NOT NULL"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"], postgresql_using="brin")
    op.execute(APPEND_ONLY)
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
    op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
    op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_table("audit_log")
    op.drop_table("approval_requests")
    op.drop_table("approval_policy")
    op.drop_column("api_keys", "fixed_actor")

"""Bulk import: jobs, their files while they run, their rejected rows, and each external
id's first row in a running job's file. And no NOTIFY trigger on ``outbox_events``: the
unit of work wakes the relays after its commit (a NOTIFY in every writing commit kept
concurrent commits from sharing a WAL flush).

Revision ID: 0016_imports
Revises: 0012_organisation
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision: str = "0016_imports"
down_revision: str | Sequence[str] | None = "0012_organisation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
ID = pg.UUID(as_uuid=True)
STATUSES = "status IN ('queued', 'running', 'succeeded', 'partially_succeeded', 'failed')"


def _job_id(table: str) -> sa.Column[object]:
    return sa.Column(
        "job_id",
        ID,
        sa.ForeignKey(
            "import_jobs.id", ondelete="CASCADE", name=op.f(f"fk_{table}_job_id_import_jobs")
        ),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("file_sha256", sa.Text, nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_format", sa.Text, nullable=False),
        sa.Column("encoding", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_by_user", sa.Text),
        sa.Column("total_rows", sa.BigInteger, nullable=False),
        sa.Column("applied", sa.BigInteger, nullable=False),
        sa.Column("rejected", sa.BigInteger, nullable=False),
        sa.Column("parked", sa.BigInteger, nullable=False),
        sa.Column("next_row", sa.BigInteger, nullable=False),
        sa.Column("claimed_by", sa.Text),
        sa.Column("lease_until", TS),
        sa.Column("finished_at", TS),
        sa.Column("problem", sa.Text),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
        sa.CheckConstraint(STATUSES, name=op.f("ck_import_jobs_status")),
    )
    op.create_index(
        "uq_import_jobs_kind_source_file_sha256",
        "import_jobs",
        ["kind", "source", "file_sha256"],
        unique=True,
        postgresql_where=sa.text("NOT dry_run"),
    )
    op.create_index(
        "ix_import_jobs_unfinished",
        "import_jobs",
        ["created_at"],
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )
    op.create_index("ix_import_jobs_status_id", "import_jobs", ["status", "id"])
    op.create_table(
        "import_file_chunks",
        _job_id("import_file_chunks"),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("job_id", "seq", name=op.f("pk_import_file_chunks")),
    )
    op.create_table(
        "import_errors",
        _job_id("import_errors"),
        sa.Column("row_number", sa.BigInteger, nullable=False),
        sa.Column("column_name", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint(
            "job_id", "row_number", "column_name", name=op.f("pk_import_errors")
        ),
    )
    op.create_table(
        "import_keys",
        _job_id("import_keys"),
        sa.Column("external_id", sa.Text, nullable=False),
        sa.Column("first_row", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("job_id", "external_id", name=op.f("pk_import_keys")),
    )

    op.execute("DROP TRIGGER outbox_events_notify ON outbox_events")
    op.execute("DROP FUNCTION huikuan_outbox_notify()")


def downgrade() -> None:
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
    for table in ("import_keys", "import_errors", "import_file_chunks", "import_jobs"):
        op.drop_table(table)

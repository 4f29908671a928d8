"""The scheduler: findings (each emitted once), dunning levels and the scan queues.

Every scan reads a partial index that holds only the rows it still has to look at: a row
leaves it once scanned (a marker column equals the due date it was scanned for, or the
invoice's next scan date lies ahead) and comes back by itself when its due date changes.

Revision ID: 0007_scheduler
Revises: 0005_collection_work
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision: str = "0007_scheduler"
down_revision: str | Sequence[str] | None = "0005_collection_work"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
ID = pg.UUID(as_uuid=True)
OPEN_INVOICE_SQL = "status IN ('open', 'partially_paid')"
OPEN_TASK_SQL = "status IN ('todo', 'in_progress')"
LIVE_INSTALLMENT_SQL = "removed_at IS NULL"
INVOICE_SCAN_KEY_SQL = "COALESCE(next_scan_on, due_date + 1)"
STANDING_INSTALLMENT_FINDING_SQL = "kind = 'installment.overdue' AND cleared_at IS NULL"


def _unscanned(marker: str) -> str:
    return f"{marker} IS DISTINCT FROM due_date"


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("subject_id", ID, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("customer_id", ID),
        sa.Column("found_at", TS, nullable=False),
        sa.Column("cleared_at", TS),
        sa.PrimaryKeyConstraint("kind", "subject_id", "key", name="pk_findings"),
    )
    op.create_index(
        "ix_findings_standing_installments",
        "findings",
        ["customer_id"],
        postgresql_where=sa.text(STANDING_INSTALLMENT_FINDING_SQL),
    )

    op.add_column(
        "invoices",
        sa.Column("dunning_level", sa.SmallInteger, nullable=False, server_default=sa.text("0")),
    )
    op.add_column("invoices", sa.Column("next_scan_on", sa.Date))
    op.add_column("invoices", sa.Column("due_soon_scanned_for", sa.Date))
    op.create_check_constraint(op.f("ck_invoices_dunning_level"), "invoices", "dunning_level >= 0")
    op.create_index(
        "ix_invoices_scan_queue",
        "invoices",
        [sa.text(INVOICE_SCAN_KEY_SQL)],
        postgresql_where=sa.text(OPEN_INVOICE_SQL),
    )
    op.create_index(
        "ix_invoices_due_soon_queue",
        "invoices",
        ["due_date"],
        postgresql_where=sa.text(f"{OPEN_INVOICE_SQL} AND {_unscanned('due_soon_scanned_for')}"),
    )

    op.add_column("installments", sa.Column("overdue_scanned_for", sa.Date))
    op.add_column("installments", sa.Column("due_soon_scanned_for", sa.Date))
    for marker, name in (
        ("overdue_scanned_for", "ix_installments_overdue_queue"),
        ("due_soon_scanned_for", "ix_installments_due_soon_queue"),
    ):
        op.create_index(
            name,
            "installments",
            ["due_date"],
            postgresql_where=sa.text(f"{LIVE_INSTALLMENT_SQL} AND {_unscanned(marker)}"),
        )

    op.add_column("tasks", sa.Column("overdue_scanned_for", sa.Date))
    op.create_index(
        "ix_tasks_overdue_queue",
        "tasks",
        ["due_date"],
        postgresql_where=sa.text(f"{OPEN_TASK_SQL} AND {_unscanned('overdue_scanned_for')}"),
    )

    op.add_column("targets", sa.Column("scan_closed_on", sa.Date))
    op.create_index(
        "ix_targets_scan_open",
        "targets",
        ["period_start"],
        postgresql_where=sa.text("scan_closed_on IS NULL"),
    )

    op.create_index(
        "ix_promises_open_promised_date",
        "promises",
        ["promised_date"],
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("ix_promises_open_promised_date", table_name="promises")
    op.drop_index("ix_targets_scan_open", table_name="targets")
    op.drop_column("targets", "scan_closed_on")
    op.drop_index("ix_tasks_overdue_queue", table_name="tasks")
    op.drop_column("tasks", "overdue_scanned_for")
    op.drop_index("ix_installments_due_soon_queue", table_name="installments")
    op.drop_index("ix_installments_overdue_queue", table_name="installments")
    op.drop_column("installments", "due_soon_scanned_for")
    op.drop_column("installments", "overdue_scanned_for")
    op.drop_index("ix_invoices_due_soon_queue", table_name="invoices")
    op.drop_index("ix_invoices_scan_queue", table_name="invoices")
    op.drop_constraint(op.f("ck_invoices_dunning_level"), "invoices", type_="check")
    op.drop_column("invoices", "due_soon_scanned_for")
    op.drop_column("invoices", "next_scan_on")
    op.drop_column("invoices", "dunning_level")
    op.drop_table("findings")

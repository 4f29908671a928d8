"""Statements, balance confirmations and limitation periods.

Balance confirmations and legal actions are new tables; interactions gain ``demand`` and
``evidence``; invoices gain ``limitation_check_on`` and installments ``limitation_due_for``
and ``limitation_check_on``, the limitation check's queues (two partial indexes each: never
looked at, by due date, and looked at, by the day to look again), so that the check reads
only what is newly near a threshold.

Revision ID: 0014_statements
Revises: 0013_milestones
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014_statements"
down_revision: str | Sequence[str] | None = "0013_milestones"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_INVOICE_SQL = "status IN ('open', 'partially_paid')"
ID = postgresql.UUID(as_uuid=True)
MONEY = sa.Numeric(20, 4)
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "interactions",
        sa.Column("demand", sa.Boolean(), nullable=False, server_default=sa.text("false")),
    )
    op.add_column(
        "interactions",
        sa.Column("evidence", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'")),
    )
    op.create_index(
        "ix_interactions_demand_customer_id",
        "interactions",
        ["customer_id"],
        postgresql_where=sa.text("demand"),
    )
    op.add_column("invoices", sa.Column("limitation_check_on", sa.Date(), nullable=True))
    op.create_index(
        "ix_invoices_limitation_new",
        "invoices",
        ["due_date"],
        postgresql_where=sa.text(f"{OPEN_INVOICE_SQL} AND limitation_check_on IS NULL"),
    )
    op.create_index(
        "ix_invoices_limitation_queue",
        "invoices",
        ["limitation_check_on"],
        postgresql_where=sa.text(f"{OPEN_INVOICE_SQL} AND limitation_check_on IS NOT NULL"),
    )
    op.add_column("installments", sa.Column("limitation_due_for", sa.Date(), nullable=True))
    op.add_column("installments", sa.Column("limitation_check_on", sa.Date(), nullable=True))
    op.create_index(
        "ix_installments_limitation_new",
        "installments",
        ["due_date"],
        postgresql_where=sa.text(
            "removed_at IS NULL AND limitation_due_for IS DISTINCT FROM due_date"
        ),
    )
    op.create_index(
        "ix_installments_limitation_queue",
        "installments",
        ["limitation_check_on"],
        postgresql_where=sa.text("removed_at IS NULL AND limitation_due_for = due_date"),
    )
    op.create_table(
        "balance_confirmations",
        sa.Column("id", ID, primary_key=True),
        sa.Column("customer_id", ID, sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("book_balance", MONEY, nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("confirmed_balance", MONEY, nullable=True),
        sa.Column("confirmed_on", sa.Date(), nullable=True),
        sa.Column("confirmed_by", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("evidence", postgresql.JSONB(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("status IN ('sent','confirmed','disputed','no_reply')", name="status"),
    )
    op.create_index(
        "ix_balance_confirmations_customer_id_as_of",
        "balance_confirmations",
        ["customer_id", "as_of"],
    )
    op.create_index(
        "ix_balance_confirmations_confirmed_customer_id_currency",
        "balance_confirmations",
        ["customer_id", "currency"],
        postgresql_where=sa.text("status = 'confirmed'"),
    )
    op.create_table(
        "legal_actions",
        sa.Column("id", ID, primary_key=True),
        sa.Column("invoice_id", ID, sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column("customer_id", ID, sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("court", sa.Text(), nullable=True),
        sa.Column("case_no", sa.Text(), nullable=True),
        sa.Column("evidence", postgresql.JSONB(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "kind IN ('lawsuit','arbitration','payment_order','mediation')", name="kind"
        ),
    )
    op.create_index("ix_legal_actions_invoice_id", "legal_actions", ["invoice_id"])
    op.create_index("ix_legal_actions_customer_id", "legal_actions", ["customer_id"])


def downgrade() -> None:
    op.drop_table("legal_actions")
    op.drop_table("balance_confirmations")
    op.drop_index("ix_installments_limitation_queue", table_name="installments")
    op.drop_index("ix_installments_limitation_new", table_name="installments")
    op.drop_column("installments", "limitation_check_on")
    op.drop_column("installments", "limitation_due_for")
    op.drop_index("ix_invoices_limitation_queue", table_name="invoices")
    op.drop_index("ix_invoices_limitation_new", table_name="invoices")
    op.drop_column("invoices", "limitation_check_on")
    op.drop_index("ix_interactions_demand_customer_id", table_name="interactions")
    op.drop_column("interactions", "evidence")
    op.drop_column("interactions", "demand")

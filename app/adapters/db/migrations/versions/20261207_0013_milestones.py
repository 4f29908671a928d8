"""Project payment nodes: installment kinds and milestone terms, contract milestones,
payment terms on contracts (and null terms on customers), and the unbilled scan queue.

An installment is due on a date or ``offset_days``/``offset_months`` after one of its
contract's milestones; until the milestone is reached its ``due_date`` is null, which keeps
it out of every scan queue (they all range over due dates). The unbilled queue is a partial
index like the overdue and due-soon ones (migration 0007).

Revision ID: 0013_milestones
Revises: 0015_controls
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision: str = "0013_milestones"
down_revision: str | Sequence[str] | None = "0015_controls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = pg.UUID(as_uuid=True)
KINDS = "'advance','progress','acceptance','settlement','retention','other'"
OLD_HISTORY_KINDS = "'created','rescheduled','added','changed','removed'"
HISTORY_KINDS = OLD_HISTORY_KINDS + ",'due_date_set','due_date_cleared'"


def upgrade() -> None:
    op.add_column("contracts", sa.Column("payment_terms_days", sa.Integer))
    op.alter_column("customers", "payment_terms_days", nullable=True)
    op.create_table(
        "contract_milestones",
        sa.Column("contract_id", ID, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("planned_on", sa.Date),
        sa.Column("reached_on", sa.Date),
        sa.Column("evidence", pg.JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.PrimaryKeyConstraint("contract_id", "key", name="pk_contract_milestones"),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name="fk_contract_milestones_contract_id_contracts",
        ),
    )
    op.add_column(
        "installments",
        sa.Column("kind", sa.Text, nullable=False, server_default=sa.text("'other'")),
    )
    op.add_column("installments", sa.Column("milestone", sa.Text))
    op.add_column("installments", sa.Column("offset_days", sa.Integer))
    op.add_column("installments", sa.Column("offset_months", sa.Integer))
    op.add_column("installments", sa.Column("unbilled_scanned_for", sa.Date))
    op.alter_column("installments", "due_date", nullable=True)
    op.create_check_constraint("kind", "installments", f"kind IN ({KINDS})")
    op.create_check_constraint(
        "due_or_milestone", "installments", "due_date IS NOT NULL OR milestone IS NOT NULL"
    )
    op.create_check_constraint(
        "offsets",
        "installments",
        "(offset_days IS NULL OR offset_months IS NULL) AND coalesce(offset_days, 0) >= 0 "
        "AND coalesce(offset_months, 0) >= 0",
    )
    op.create_index(
        "ix_installments_unbilled_queue",
        "installments",
        ["due_date"],
        postgresql_where=sa.text(
            "removed_at IS NULL AND unbilled_scanned_for IS DISTINCT FROM due_date"
        ),
    )
    op.drop_constraint(op.f("ck_installment_changes_kind"), "installment_changes", type_="check")
    op.create_check_constraint("kind", "installment_changes", f"kind IN ({HISTORY_KINDS})")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_installment_changes_kind"), "installment_changes", type_="check")
    op.create_check_constraint("kind", "installment_changes", f"kind IN ({OLD_HISTORY_KINDS})")
    op.drop_index("ix_installments_unbilled_queue", table_name="installments")
    for name in ("offsets", "due_or_milestone", "kind"):
        op.drop_constraint(op.f(f"ck_installments_{name}"), "installments", type_="check")
    for column in ("unbilled_scanned_for", "offset_months", "offset_days", "milestone", "kind"):
        op.drop_column("installments", column)
    op.drop_table("contract_milestones")
    op.drop_column("contracts", "payment_terms_days")
    op.execute("UPDATE customers SET payment_terms_days = 30 WHERE payment_terms_days IS NULL")
    op.alter_column("customers", "payment_terms_days", nullable=False)

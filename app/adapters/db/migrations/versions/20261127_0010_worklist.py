"""The worklist: indexes for finding what an assignee owns and each item's factors.

The worklist statement (``app/adapters/db/collection/worklist.py``) starts from the
assignee (contracts by owner, open tasks by assignee, active flags by owner) and then
looks up each item's invoices, promises and tasks by key; these make every step an index
lookup that reads only live rows.

Revision ID: 0010_worklist
Revises: 0009_ingestion
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_worklist"
down_revision: str | Sequence[str] | None = "0009_ingestion"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_INVOICE_SQL = "status IN ('open', 'partially_paid')"
OPEN_TASK_SQL = "status IN ('todo', 'in_progress')"
ACTIVE_FLAG_SQL = "status IN ('open', 'mitigating')"

# (name, table, columns, partial condition)
INDEXES: tuple[tuple[str, str, list[str], str | None], ...] = (
    ("ix_invoices_open_contract_id", "invoices", ["contract_id"], OPEN_INVOICE_SQL),
    ("ix_tasks_open_assignee", "tasks", ["assignee"], OPEN_TASK_SQL),
    ("ix_tasks_contract_id", "tasks", ["contract_id"], None),
    ("ix_risk_flags_active_owner", "risk_flags", ["owner"], ACTIVE_FLAG_SQL),
    (
        "ix_promises_broken_customer_id_promised_date",
        "promises",
        ["customer_id", "promised_date"],
        "status = 'broken'",
    ),
)


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        op.create_index(name, table, columns, postgresql_where=sa.text(where) if where else None)


def downgrade() -> None:
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)

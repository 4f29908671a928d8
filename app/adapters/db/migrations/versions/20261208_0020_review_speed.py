"""A customer's promises by the day they were made, for limitation periods.

Each open receivable's latest interruption reads its customer's promises made after its
due date; without an index every receivable read every promise (the progress review's
limitation section took 20 s on the 1M-invoice bench book, 0.6 s with it).

Revision ID: 0020_review_speed
Revises: 0014_statements
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020_review_speed"
down_revision: str | Sequence[str] | None = "0014_statements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_promises_customer_id_made_on", "promises", ["customer_id", "made_on"])


def downgrade() -> None:
    op.drop_index("ix_promises_customer_id_made_on", table_name="promises")

"""The reports' unbilled terms read what each installment was invoiced from an index.

``ix_invoices_installment_billed`` covers the invoices of installments with the columns the
reports' unbilled terms sum (amount, issued and voided days), so they are one index-only
scan summed per installment instead of a heap probe per installment (decision 0133).

Revision ID: 0019_report_speed
Revises: 0020_review_speed
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_report_speed"
down_revision: str | Sequence[str] | None = "0020_review_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_invoices_installment_billed",
        "invoices",
        ["installment_id"],
        postgresql_include=["amount", "issued_on", "voided_on"],
        postgresql_where=sa.text("installment_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_invoices_installment_billed", table_name="invoices")

"""Indexes for the reports (ageing, KPIs, forecast, performance), computed in PostgreSQL.

The reports rebuild receivables "as of" a day from what changed since (see
docs/reporting.md): the invoices open now, those voided or written off after the day, and the
allocations received after it or reversed after it. These indexes find each of those sets
without reading the whole book.

Revision ID: 0008_reports
Revises: 0007_scheduler
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_reports"
down_revision: str | Sequence[str] | None = "0007_scheduler"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Billed in a period, and falling due in a period (every status, not only open ones).
    op.create_index(op.f("ix_invoices_issued_on"), "invoices", ["issued_on"])
    op.create_index(op.f("ix_invoices_due_date"), "invoices", ["due_date"])
    # Invoices closed after a day still had something outstanding on it.
    op.create_index(
        op.f("ix_invoices_voided_on"),
        "invoices",
        ["voided_on"],
        postgresql_where=sa.text("voided_on IS NOT NULL"),
    )
    op.create_index(
        op.f("ix_invoices_written_off_on"),
        "invoices",
        ["written_off_on"],
        postgresql_where=sa.text("written_off_on IS NOT NULL"),
    )
    # Money received after a day had not yet paid anything on it; collected in a period.
    op.create_index(
        op.f("ix_payment_allocations_active_received_on"),
        "payment_allocations",
        ["received_on"],
        postgresql_include=["invoice_id", "amount", "currency"],
        postgresql_where=sa.text("undone_at IS NULL"),
    )
    # Payments that bounced after a day still counted on it.
    op.create_index(
        op.f("ix_payment_allocations_reversed_undone_at"),
        "payment_allocations",
        ["undone_at"],
        postgresql_where=sa.text("undone_reason = 'reversed'"),
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_payment_allocations_reversed_undone_at"), "payment_allocations")
    op.drop_index(op.f("ix_payment_allocations_active_received_on"), "payment_allocations")
    op.drop_index(op.f("ix_invoices_written_off_on"), "invoices")
    op.drop_index(op.f("ix_invoices_voided_on"), "invoices")
    op.drop_index(op.f("ix_invoices_due_date"), "invoices")
    op.drop_index(op.f("ix_invoices_issued_on"), "invoices")

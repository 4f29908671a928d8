"""Receivables: contracts and their installments (with history), invoices, payments and
allocations.

Revision ID: 0002_receivables
Revises: 0001_foundation
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision: str = "0002_receivables"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
MONEY = sa.Numeric(20, 4)
RATE = sa.Numeric(10, 6)
ID = pg.UUID(as_uuid=True)

INVOICE_STATUS_SQL = (
    "CASE WHEN voided_at IS NOT NULL THEN 'void' "
    "WHEN written_off_at IS NOT NULL THEN 'written_off' "
    "WHEN amount_paid >= amount THEN 'paid' "
    "WHEN amount_paid > 0 THEN 'partially_paid' ELSE 'open' END"
)
INVOICE_OUTSTANDING_SQL = (
    "CASE WHEN voided_at IS NOT NULL OR written_off_at IS NOT NULL THEN 0 "
    "ELSE amount - amount_paid END"
)
OPEN_INVOICE_SQL = "status IN ('open', 'partially_paid')"
PAYMENT_STATUS_SQL = (
    "CASE WHEN reversed_at IS NOT NULL THEN 'reversed' "
    "WHEN allocated_amount = 0 THEN 'unallocated' "
    "WHEN allocated_amount < amount THEN 'partially_allocated' ELSE 'allocated' END"
)


def _fk(column: str, table: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


# 0001 named its CHECK constraints in full, and Alembic applied the naming convention on
# top ("ck_customers_ck_customers_credit_rating"); give them the names the table models
# (the naming convention in metadata.py) imply.
_FOUNDATION_CHECKS = {
    "ck_customers_ck_customers_credit_rating": "ck_customers_credit_rating",
    "ck_customers_ck_customers_credit_limit": "ck_customers_credit_limit",
}


def upgrade() -> None:
    for wrong, right in _FOUNDATION_CHECKS.items():
        op.execute(f"ALTER TABLE customers RENAME CONSTRAINT {wrong} TO {right}")
    op.create_table(
        "contracts",
        sa.Column("id", ID),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("external_id", sa.Text),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("signed_on", sa.Date, nullable=False),
        sa.Column("late_fee_rate", RATE),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_contracts"),
        _fk("customer_id", "contracts", "customers"),
        sa.UniqueConstraint("external_id", name="uq_contracts_external_id"),
        sa.CheckConstraint("amount > 0", name=op.f("ck_contracts_amount_positive")),
        sa.CheckConstraint(
            "late_fee_rate >= 0 AND late_fee_rate < 1", name=op.f("ck_contracts_late_fee_rate")
        ),
    )
    op.create_index("ix_contracts_customer_id", "contracts", ["customer_id"])
    op.create_index("ix_contracts_owner", "contracts", ["owner"])

    op.create_table(
        "installments",
        sa.Column("id", ID),
        sa.Column("contract_id", ID, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("removed_at", TS),
        sa.PrimaryKeyConstraint("id", name="pk_installments"),
        _fk("contract_id", "installments", "contracts"),
        sa.CheckConstraint("amount > 0", name=op.f("ck_installments_amount_positive")),
    )
    op.create_index("ix_installments_contract_id", "installments", ["contract_id"])
    op.create_index(
        "uq_installments_contract_id_name",
        "installments",
        ["contract_id", "name"],
        unique=True,
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    op.create_index(
        "ix_installments_due_date",
        "installments",
        ["due_date"],
        postgresql_where=sa.text("removed_at IS NULL"),
    )

    op.create_table(
        "installment_changes",
        sa.Column("id", ID),
        sa.Column("installment_id", ID, nullable=False),
        sa.Column("contract_id", ID, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.Column("changed_by", sa.Text, nullable=False),
        sa.Column("changed_by_user", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("from_name", sa.Text),
        sa.Column("from_due_date", sa.Date),
        sa.Column("from_amount", MONEY),
        sa.Column("to_name", sa.Text),
        sa.Column("to_due_date", sa.Date),
        sa.Column("to_amount", MONEY),
        sa.PrimaryKeyConstraint("id", name="pk_installment_changes"),
        _fk("installment_id", "installment_changes", "installments"),
        _fk("contract_id", "installment_changes", "contracts"),
        sa.CheckConstraint(
            "kind IN ('created','rescheduled','added','changed','removed')",
            name=op.f("ck_installment_changes_kind"),
        ),
    )
    op.create_index(
        "ix_installment_changes_installment_id", "installment_changes", ["installment_id"]
    )

    op.create_table(
        "invoices",
        sa.Column("id", ID),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("contract_id", ID),
        sa.Column("installment_id", ID),
        sa.Column("external_id", sa.Text),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_paid", MONEY, nullable=False, server_default=sa.text("0")),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("disputed_at", TS),
        sa.Column("dispute_reason", sa.Text),
        sa.Column("hold_reason", sa.Text),
        sa.Column("hold_until", sa.Date),
        sa.Column("voided_at", TS),
        sa.Column("voided_on", sa.Date),
        sa.Column("void_reason", sa.Text),
        sa.Column("written_off_at", TS),
        sa.Column("written_off_on", sa.Date),
        sa.Column("write_off_reason", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column(
            "status", sa.Text, sa.Computed(INVOICE_STATUS_SQL, persisted=True), nullable=False
        ),
        sa.Column(
            "outstanding",
            MONEY,
            sa.Computed(INVOICE_OUTSTANDING_SQL, persisted=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_invoices"),
        _fk("customer_id", "invoices", "customers"),
        _fk("contract_id", "invoices", "contracts"),
        _fk("installment_id", "invoices", "installments"),
        sa.UniqueConstraint("external_id", name="uq_invoices_external_id"),
        sa.CheckConstraint("amount > 0", name=op.f("ck_invoices_amount_positive")),
        sa.CheckConstraint(
            "amount_paid >= 0 AND amount_paid <= amount", name=op.f("ck_invoices_amount_paid")
        ),
        sa.CheckConstraint("due_date >= issued_on", name=op.f("ck_invoices_due_after_issue")),
    )
    op.create_index("ix_invoices_customer_id", "invoices", ["customer_id"])
    op.create_index("ix_invoices_contract_id", "invoices", ["contract_id"])
    op.create_index("ix_invoices_installment_id", "invoices", ["installment_id"])
    op.create_index(
        "ix_invoices_open_customer_id_currency_due_date_issued_on_id",
        "invoices",
        ["customer_id", "currency", "due_date", "issued_on", "id"],
        postgresql_where=sa.text(OPEN_INVOICE_SQL),
    )
    op.create_index(
        "ix_invoices_open_due_date",
        "invoices",
        ["due_date"],
        postgresql_where=sa.text(OPEN_INVOICE_SQL),
    )

    op.create_table(
        "payments",
        sa.Column("id", ID),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("external_id", sa.Text),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("allocated_amount", MONEY, nullable=False, server_default=sa.text("0")),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("method", sa.Text),
        sa.Column("reference", sa.Text),
        sa.Column("reversed_at", TS),
        sa.Column("reversal_reason", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column(
            "status", sa.Text, sa.Computed(PAYMENT_STATUS_SQL, persisted=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_payments"),
        _fk("customer_id", "payments", "customers"),
        sa.UniqueConstraint("external_id", name="uq_payments_external_id"),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.CheckConstraint(
            "allocated_amount >= 0 AND allocated_amount <= amount",
            name=op.f("ck_payments_allocated_amount"),
        ),
    )
    op.create_index("ix_payments_customer_id", "payments", ["customer_id"])
    op.create_index("ix_payments_received_on", "payments", ["received_on"])

    op.create_table(
        "payment_allocations",
        sa.Column("id", ID),
        sa.Column("payment_id", ID, nullable=False),
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("undone_at", TS),
        sa.Column("undone_reason", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_payment_allocations"),
        _fk("payment_id", "payment_allocations", "payments"),
        _fk("invoice_id", "payment_allocations", "invoices"),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_allocations_amount_positive")),
        sa.CheckConstraint(
            "undone_reason IN ('undone','reversed')",
            name=op.f("ck_payment_allocations_undone_reason"),
        ),
    )
    op.create_index("ix_payment_allocations_payment_id", "payment_allocations", ["payment_id"])
    op.create_index("ix_payment_allocations_invoice_id", "payment_allocations", ["invoice_id"])


def downgrade() -> None:
    for wrong, right in _FOUNDATION_CHECKS.items():
        op.execute(f"ALTER TABLE customers RENAME CONSTRAINT {right} TO {wrong}")
    op.drop_table("payment_allocations")
    op.drop_table("payments")
    op.drop_table("invoices")
    op.drop_table("installment_changes")
    op.drop_table("installments")
    op.drop_table("contracts")

"""Contracts, installments, invoices and payments (migration 0002_receivables; scan
queue columns 0007_scheduler)."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from app.adapters.db.metadata import MONEY, RATE, TIMESTAMP, metadata, unscanned

contracts = Table(
    "contracts",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("customer_id", UUID(as_uuid=True), ForeignKey("customers.id"), nullable=False),
    Column("external_id", Text, unique=True),
    Column("name", Text, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("owner", Text, nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("late_fee_rate", RATE),
    Column("version", Integer, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("late_fee_rate >= 0 AND late_fee_rate < 1", name="late_fee_rate"),
    Index("ix_contracts_customer_id", "customer_id"),
    Index("ix_contracts_owner", "owner"),
)

# Removed installments keep their row (``removed_at``) so invoices and history still point
# somewhere; names are unique among the live ones, because ERPs refer to them by name.
installments = Table(
    "installments",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("contract_id", UUID(as_uuid=True), ForeignKey("contracts.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("position", Integer, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("removed_at", TIMESTAMP),
    # The due date the overdue and due-soon scans last looked at (migration 0007).
    Column("overdue_scanned_for", Date),
    Column("due_soon_scanned_for", Date),
    CheckConstraint("amount > 0", name="amount_positive"),
    Index("ix_installments_contract_id", "contract_id"),
    Index(
        "uq_installments_contract_id_name",
        "contract_id",
        "name",
        unique=True,
        postgresql_where=text("removed_at IS NULL"),
    ),
    Index("ix_installments_due_date", "due_date", postgresql_where=text("removed_at IS NULL")),
    # The scan queues: live installments not yet scanned for their current due date.
    Index(
        "ix_installments_overdue_queue",
        "due_date",
        postgresql_where=text(f"removed_at IS NULL AND {unscanned('overdue_scanned_for')}"),
    ),
    Index(
        "ix_installments_due_soon_queue",
        "due_date",
        postgresql_where=text(f"removed_at IS NULL AND {unscanned('due_soon_scanned_for')}"),
    ),
)

installment_changes = Table(
    "installment_changes",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("installment_id", UUID(as_uuid=True), ForeignKey("installments.id"), nullable=False),
    Column("contract_id", UUID(as_uuid=True), ForeignKey("contracts.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("changed_at", TIMESTAMP, nullable=False),
    Column("changed_by", Text, nullable=False),
    Column("changed_by_user", Text),
    Column("reason", Text),
    Column("currency", String(3), nullable=False),
    Column("from_name", Text),
    Column("from_due_date", Date),
    Column("from_amount", MONEY),
    Column("to_name", Text),
    Column("to_due_date", Date),
    Column("to_amount", MONEY),
    CheckConstraint("kind IN ('created','rescheduled','added','changed','removed')", name="kind"),
    Index("ix_installment_changes_installment_id", "installment_id"),
)

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

# When the overdue scan looks at an open invoice next: ``next_scan_on``, or the day after its
# due date when it was never scanned (or an action reset it).
INVOICE_SCAN_KEY_SQL = "COALESCE(next_scan_on, due_date + 1)"

# ``amount_paid`` is the running total of active allocations, kept in the allocation's
# transaction; ``status`` and ``outstanding`` are generated from it, so they cannot drift.
invoices = Table(
    "invoices",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("customer_id", UUID(as_uuid=True), ForeignKey("customers.id"), nullable=False),
    Column("contract_id", UUID(as_uuid=True), ForeignKey("contracts.id")),
    Column("installment_id", UUID(as_uuid=True), ForeignKey("installments.id")),
    Column("external_id", Text, unique=True),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_paid", MONEY, nullable=False, server_default=text("0")),
    Column("issued_on", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("disputed_at", TIMESTAMP),
    Column("dispute_reason", Text),
    Column("hold_reason", Text),
    Column("hold_until", Date),
    Column("voided_at", TIMESTAMP),
    Column("voided_on", Date),
    Column("void_reason", Text),
    Column("written_off_at", TIMESTAMP),
    Column("written_off_on", Date),
    Column("write_off_reason", Text),
    # Migration 0007: the dunning level reached, and the scans' bookkeeping.
    Column("dunning_level", SmallInteger, nullable=False, server_default=text("0")),
    Column("next_scan_on", Date),
    Column("due_soon_scanned_for", Date),
    Column("version", Integer, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    Column("status", Text, Computed(INVOICE_STATUS_SQL, persisted=True), nullable=False),
    Column("outstanding", MONEY, Computed(INVOICE_OUTSTANDING_SQL, persisted=True), nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("amount_paid >= 0 AND amount_paid <= amount", name="amount_paid"),
    CheckConstraint("due_date >= issued_on", name="due_after_issue"),
    CheckConstraint("dunning_level >= 0", name="dunning_level"),
    Index("ix_invoices_customer_id", "customer_id"),
    Index("ix_invoices_contract_id", "contract_id"),
    Index("ix_invoices_installment_id", "installment_id"),
    # The automatic allocation queue: a customer's open invoices, oldest due first.
    Index(
        "ix_invoices_open_customer_id_currency_due_date_issued_on_id",
        "customer_id",
        "currency",
        "due_date",
        "issued_on",
        "id",
        postgresql_where=text(OPEN_INVOICE_SQL),
    ),
    Index("ix_invoices_open_due_date", "due_date", postgresql_where=text(OPEN_INVOICE_SQL)),
    # The worklist: an owner's contracts' open invoices (migration 0009).
    Index("ix_invoices_open_contract_id", "contract_id", postgresql_where=text(OPEN_INVOICE_SQL)),
    Index(
        "ix_invoices_scan_queue",
        text(INVOICE_SCAN_KEY_SQL),
        postgresql_where=text(OPEN_INVOICE_SQL),
    ),
    Index(
        "ix_invoices_due_soon_queue",
        "due_date",
        postgresql_where=text(f"{OPEN_INVOICE_SQL} AND {unscanned('due_soon_scanned_for')}"),
    ),
    # Reports (migration 0008_reports): billed and falling due in a period, closed after a day.
    Index("ix_invoices_issued_on", "issued_on"),
    Index("ix_invoices_due_date", "due_date"),
    Index("ix_invoices_voided_on", "voided_on", postgresql_where=text("voided_on IS NOT NULL")),
    Index(
        "ix_invoices_written_off_on",
        "written_off_on",
        postgresql_where=text("written_off_on IS NOT NULL"),
    ),
)

PAYMENT_STATUS_SQL = (
    "CASE WHEN reversed_at IS NOT NULL THEN 'reversed' "
    "WHEN allocated_amount = 0 THEN 'unallocated' "
    "WHEN allocated_amount < amount THEN 'partially_allocated' ELSE 'allocated' END"
)

payments = Table(
    "payments",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("customer_id", UUID(as_uuid=True), ForeignKey("customers.id"), nullable=False),
    Column("external_id", Text, unique=True),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("allocated_amount", MONEY, nullable=False, server_default=text("0")),
    Column("received_on", Date, nullable=False),
    Column("method", Text),
    Column("reference", Text),
    Column("reversed_at", TIMESTAMP),
    Column("reversal_reason", Text),
    Column("version", Integer, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    Column("status", Text, Computed(PAYMENT_STATUS_SQL, persisted=True), nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint(
        "allocated_amount >= 0 AND allocated_amount <= amount", name="allocated_amount"
    ),
    Index("ix_payments_customer_id", "customer_id"),
    Index("ix_payments_received_on", "received_on"),
)

# Allocations are never deleted: undoing one stamps ``undone_at`` (and why), so the
# history of what paid what, and when, can be rebuilt for reports "as of" a past date.
payment_allocations = Table(
    "payment_allocations",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("payment_id", UUID(as_uuid=True), ForeignKey("payments.id"), nullable=False),
    Column("invoice_id", UUID(as_uuid=True), ForeignKey("invoices.id"), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("undone_at", TIMESTAMP),
    Column("undone_reason", Text),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("undone_reason IN ('undone','reversed')", name="undone_reason"),
    Index("ix_payment_allocations_payment_id", "payment_id"),
    Index("ix_payment_allocations_invoice_id", "invoice_id"),
    # Reports (migration 0008_reports): received after a day, reversed after a day.
    Index(
        "ix_payment_allocations_active_received_on",
        "received_on",
        postgresql_include=["invoice_id", "amount", "currency"],
        postgresql_where=text("undone_at IS NULL"),
    ),
    Index(
        "ix_payment_allocations_reversed_undone_at",
        "undone_at",
        postgresql_where=text("undone_reason = 'reversed'"),
    ),
)

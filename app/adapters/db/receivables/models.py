"""Contracts, installments, invoices and payments (migration 0002_receivables; scan
queue columns 0007_scheduler)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from app.adapters.db.metadata import ID, JSON, MONEY, RATE, TIMESTAMP, TableModel, unscanned
from app.adapters.db.receivables.statuses import PAYABLE_SQL
from app.domain.receivables.contracts import ChangeKind
from app.domain.receivables.milestones import InstallmentKind


class ContractRow(TableModel, table=True):
    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("late_fee_rate >= 0 AND late_fee_rate < 1", name="late_fee_rate"),
        Index("ix_contracts_customer_id", "customer_id"),
        Index("ix_contracts_owner", "owner"),
        Index("ix_contracts_project_id", "project_id"),
        # The project is one of the contract's customer's (0012_organisation).
        ForeignKeyConstraint(
            ["project_id", "customer_id"],
            ["projects.id", "projects.customer_id"],
            name="fk_contracts_project_id_projects",
        ),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    customer_id: UUID = Field(sa_type=ID, foreign_key="customers.id")
    external_id: str | None = Field(sa_type=Text, unique=True)
    name: str = Field(sa_type=Text)
    amount: Decimal = Field(sa_type=MONEY)
    currency: str = Field(sa_type=String(3))
    owner: str = Field(sa_type=Text)
    signed_on: date = Field(sa_type=Date)
    late_fee_rate: Decimal | None = Field(sa_type=RATE)
    version: int = Field(sa_type=Integer)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    updated_at: datetime = Field(sa_type=TIMESTAMP)
    # Days from issue to due of an invoice created without a due date (migration 0013).
    payment_terms_days: int | None = Field(sa_type=Integer)
    project_id: UUID | None = Field(sa_type=ID)


contracts: Table = ContractRow.__table__


# A contract's payment nodes (migration 0013): reaching one sets its installments' due dates.
class ContractMilestoneRow(TableModel, table=True):
    __tablename__ = "contract_milestones"

    contract_id: UUID = Field(sa_type=ID, foreign_key="contracts.id", primary_key=True)
    key: str = Field(sa_type=Text, primary_key=True)
    position: int = Field(sa_type=Integer)
    name: str = Field(sa_type=Text)
    planned_on: date | None = Field(sa_type=Date)
    reached_on: date | None = Field(sa_type=Date)
    evidence: JSON = Field(sa_type=JSONB, sa_column_kwargs={"server_default": text("'[]'::jsonb")})


contract_milestones: Table = ContractMilestoneRow.__table__

INSTALLMENT_KINDS_SQL = ",".join(f"'{k.value}'" for k in InstallmentKind)
HISTORY_KINDS_SQL = ",".join(f"'{k.value}'" for k in ChangeKind)


# Removed installments keep their row (``removed_at``) so invoices and history still point
# somewhere; names are unique among the live ones, because ERPs refer to them by name.
class InstallmentRow(TableModel, table=True):
    __tablename__ = "installments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(f"kind IN ({INSTALLMENT_KINDS_SQL})", name="kind"),
        # A due date or a milestone; one offset at most, never negative (migration 0013).
        CheckConstraint("due_date IS NOT NULL OR milestone IS NOT NULL", name="due_or_milestone"),
        CheckConstraint(
            "(offset_days IS NULL OR offset_months IS NULL) AND coalesce(offset_days, 0) >= 0 "
            "AND coalesce(offset_months, 0) >= 0",
            name="offsets",
        ),
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
        Index(
            "ix_installments_unbilled_queue",
            "due_date",
            postgresql_where=text(f"removed_at IS NULL AND {unscanned('unbilled_scanned_for')}"),
        ),
        # The limitation check's queue (migration 0014): never looked at for this due date,
        # by due date; looked at, by the day to look again.
        Index(
            "ix_installments_limitation_new",
            "due_date",
            postgresql_where=text(f"removed_at IS NULL AND {unscanned('limitation_due_for')}"),
        ),
        Index(
            "ix_installments_limitation_queue",
            "limitation_check_on",
            postgresql_where=text("removed_at IS NULL AND limitation_due_for = due_date"),
        ),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    contract_id: UUID = Field(sa_type=ID, foreign_key="contracts.id")
    name: str = Field(sa_type=Text)
    due_date: date | None = Field(sa_type=Date)
    amount: Decimal = Field(sa_type=MONEY)
    currency: str = Field(sa_type=String(3))
    position: int = Field(sa_type=Integer)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    removed_at: datetime | None = Field(sa_type=TIMESTAMP)
    # The due date the overdue and due-soon scans last looked at (migration 0007).
    overdue_scanned_for: date | None = Field(sa_type=Date)
    due_soon_scanned_for: date | None = Field(sa_type=Date)
    # Kind and basis (migration 0013): a milestone key and its offset instead of a date.
    kind: str = Field(sa_type=Text, sa_column_kwargs={"server_default": text("'other'")})
    milestone: str | None = Field(sa_type=Text)
    offset_days: int | None = Field(sa_type=Integer)
    offset_months: int | None = Field(sa_type=Integer)
    unbilled_scanned_for: date | None = Field(sa_type=Date)
    # Migration 0014: the due date the limitation check last looked at, and when to again.
    limitation_due_for: date | None = Field(sa_type=Date)
    limitation_check_on: date | None = Field(sa_type=Date)


installments: Table = InstallmentRow.__table__


class InstallmentChangeRow(TableModel, table=True):
    __tablename__ = "installment_changes"
    __table_args__ = (
        CheckConstraint(f"kind IN ({HISTORY_KINDS_SQL})", name="kind"),
        Index("ix_installment_changes_installment_id", "installment_id"),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    installment_id: UUID = Field(sa_type=ID, foreign_key="installments.id")
    contract_id: UUID = Field(sa_type=ID, foreign_key="contracts.id")
    kind: str = Field(sa_type=Text)
    changed_at: datetime = Field(sa_type=TIMESTAMP)
    changed_by: str = Field(sa_type=Text)
    changed_by_user: str | None = Field(sa_type=Text)
    reason: str | None = Field(sa_type=Text)
    currency: str = Field(sa_type=String(3))
    from_name: str | None = Field(sa_type=Text)
    from_due_date: date | None = Field(sa_type=Date)
    from_amount: Decimal | None = Field(sa_type=MONEY)
    to_name: str | None = Field(sa_type=Text)
    to_due_date: date | None = Field(sa_type=Date)
    to_amount: Decimal | None = Field(sa_type=MONEY)


installment_changes: Table = InstallmentChangeRow.__table__

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

OPEN_INVOICE_SQL = PAYABLE_SQL  # the partial indexes' predicate, rendered from the domain

# When the overdue scan looks at an open invoice next: ``next_scan_on``, or the day after its
# due date when it was never scanned (or an action reset it).
INVOICE_SCAN_KEY_SQL = "COALESCE(next_scan_on, due_date + 1)"


# ``amount_paid`` is the running total of active allocations, kept in the allocation's
# transaction; ``status`` and ``outstanding`` are generated from it, so they cannot drift.
class InvoiceRow(TableModel, table=True):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("amount_paid >= 0 AND amount_paid <= amount", name="amount_paid"),
        CheckConstraint("due_date >= issued_on", name="due_after_issue"),
        CheckConstraint("dunning_level >= 0", name="dunning_level"),
        Index("ix_invoices_customer_id", "customer_id"),
        Index("ix_invoices_contract_id", "contract_id"),
        Index("ix_invoices_installment_id", "installment_id"),
        # What each installment was invoiced, index-only, for the reports' unbilled terms.
        Index(
            "ix_invoices_installment_billed",
            "installment_id",
            postgresql_include=["amount", "issued_on", "voided_on"],
            postgresql_where=text("installment_id IS NOT NULL"),
        ),
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
        Index(
            "ix_invoices_open_contract_id", "contract_id", postgresql_where=text(OPEN_INVOICE_SQL)
        ),
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
        # The limitation check's queue (migration 0014): open invoices never looked at, by
        # due date, and those looked at, by the day to look again.
        Index(
            "ix_invoices_limitation_new",
            "due_date",
            postgresql_where=text(f"{OPEN_INVOICE_SQL} AND limitation_check_on IS NULL"),
        ),
        Index(
            "ix_invoices_limitation_queue",
            "limitation_check_on",
            postgresql_where=text(f"{OPEN_INVOICE_SQL} AND limitation_check_on IS NOT NULL"),
        ),
        Index("ix_invoices_due_date", "due_date"),
        Index("ix_invoices_voided_on", "voided_on", postgresql_where=text("voided_on IS NOT NULL")),
        Index(
            "ix_invoices_written_off_on",
            "written_off_on",
            postgresql_where=text("written_off_on IS NOT NULL"),
        ),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    customer_id: UUID = Field(sa_type=ID, foreign_key="customers.id")
    contract_id: UUID | None = Field(sa_type=ID, foreign_key="contracts.id")
    installment_id: UUID | None = Field(sa_type=ID, foreign_key="installments.id")
    external_id: str | None = Field(sa_type=Text, unique=True)
    amount: Decimal = Field(sa_type=MONEY)
    currency: str = Field(sa_type=String(3))
    amount_paid: Decimal = Field(sa_type=MONEY, sa_column_kwargs={"server_default": text("0")})
    issued_on: date = Field(sa_type=Date)
    due_date: date = Field(sa_type=Date)
    disputed_at: datetime | None = Field(sa_type=TIMESTAMP)
    dispute_reason: str | None = Field(sa_type=Text)
    hold_reason: str | None = Field(sa_type=Text)
    hold_until: date | None = Field(sa_type=Date)
    voided_at: datetime | None = Field(sa_type=TIMESTAMP)
    voided_on: date | None = Field(sa_type=Date)
    void_reason: str | None = Field(sa_type=Text)
    written_off_at: datetime | None = Field(sa_type=TIMESTAMP)
    written_off_on: date | None = Field(sa_type=Date)
    write_off_reason: str | None = Field(sa_type=Text)
    # Migration 0007: the dunning level reached, and the scans' bookkeeping.
    dunning_level: int = Field(sa_type=SmallInteger, sa_column_kwargs={"server_default": text("0")})
    next_scan_on: date | None = Field(sa_type=Date)
    due_soon_scanned_for: date | None = Field(sa_type=Date)
    # Migration 0014: the day the limitation check looks at the invoice again (null: by its
    # due date; a new due date or an interruption written here resets it).
    limitation_check_on: date | None = Field(sa_type=Date)
    version: int = Field(sa_type=Integer)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    updated_at: datetime = Field(sa_type=TIMESTAMP)
    status: str = Field(
        sa_column=Column(Text, Computed(INVOICE_STATUS_SQL, persisted=True), nullable=False)
    )
    outstanding: Decimal = Field(
        sa_column=Column(MONEY, Computed(INVOICE_OUTSTANDING_SQL, persisted=True), nullable=False)
    )


invoices: Table = InvoiceRow.__table__

PAYMENT_STATUS_SQL = (
    "CASE WHEN reversed_at IS NOT NULL THEN 'reversed' "
    "WHEN allocated_amount = 0 THEN 'unallocated' "
    "WHEN allocated_amount < amount THEN 'partially_allocated' ELSE 'allocated' END"
)


class PaymentRow(TableModel, table=True):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "allocated_amount >= 0 AND allocated_amount <= amount", name="allocated_amount"
        ),
        Index("ix_payments_customer_id", "customer_id"),
        Index("ix_payments_received_on", "received_on"),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    customer_id: UUID = Field(sa_type=ID, foreign_key="customers.id")
    external_id: str | None = Field(sa_type=Text, unique=True)
    amount: Decimal = Field(sa_type=MONEY)
    currency: str = Field(sa_type=String(3))
    allocated_amount: Decimal = Field(sa_type=MONEY, sa_column_kwargs={"server_default": text("0")})
    received_on: date = Field(sa_type=Date)
    method: str | None = Field(sa_type=Text)
    reference: str | None = Field(sa_type=Text)
    reversed_at: datetime | None = Field(sa_type=TIMESTAMP)
    reversal_reason: str | None = Field(sa_type=Text)
    version: int = Field(sa_type=Integer)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    updated_at: datetime = Field(sa_type=TIMESTAMP)
    status: str = Field(
        sa_column=Column(Text, Computed(PAYMENT_STATUS_SQL, persisted=True), nullable=False)
    )


payments: Table = PaymentRow.__table__


# Allocations are never deleted: undoing one stamps ``undone_at`` (and why), so the
# history of what paid what, and when, can be rebuilt for reports "as of" a past date.
class PaymentAllocationRow(TableModel, table=True):
    __tablename__ = "payment_allocations"
    __table_args__ = (
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

    id: UUID = Field(sa_type=ID, primary_key=True)
    payment_id: UUID = Field(sa_type=ID, foreign_key="payments.id")
    invoice_id: UUID = Field(sa_type=ID, foreign_key="invoices.id")
    amount: Decimal = Field(sa_type=MONEY)
    currency: str = Field(sa_type=String(3))
    received_on: date = Field(sa_type=Date)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    created_by: str = Field(sa_type=Text)
    undone_at: datetime | None = Field(sa_type=TIMESTAMP)
    undone_reason: str | None = Field(sa_type=Text)


payment_allocations: Table = PaymentAllocationRow.__table__

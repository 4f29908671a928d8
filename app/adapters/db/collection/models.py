"""Collection work: targets, tasks, interactions, promises, risk flags and the dunning
policy (migration 0005_collection_work)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
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

from app.adapters.db.collection.statuses import (
    ACTIVE_FLAG_SQL,
    OPEN_TASK_SQL,
    UNSETTLED_PROMISE_SQL,
)
from app.adapters.db.metadata import ID, JSON, MONEY, TIMESTAMP, TableModel, unscanned

# A target's scope is one of: the org (no id), a customer, a contract, or an owner (a user id).
TARGET_SCOPE_SQL = (
    "(scope = 'org' AND customer_id IS NULL AND contract_id IS NULL AND scope_owner IS NULL)"
    " OR (scope = 'customer' AND customer_id IS NOT NULL AND contract_id IS NULL"
    " AND scope_owner IS NULL)"
    " OR (scope = 'contract' AND contract_id IS NOT NULL AND customer_id IS NULL"
    " AND scope_owner IS NULL)"
    " OR (scope = 'owner' AND scope_owner IS NOT NULL AND customer_id IS NULL"
    " AND contract_id IS NULL)"
    " OR (scope = 'org_unit' AND org_unit_id IS NOT NULL AND customer_id IS NULL"
    " AND contract_id IS NULL AND scope_owner IS NULL)"
    " OR (scope = 'project' AND project_id IS NOT NULL AND customer_id IS NULL"
    " AND contract_id IS NULL AND scope_owner IS NULL)"
)


class TargetRow(TableModel, table=True):
    __tablename__ = "targets"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("period_end >= period_start", name="period"),
        CheckConstraint(
            "scope IN ('org','customer','contract','owner','org_unit','project')", name="scope"
        ),
        Index("ix_targets_parent_id", "parent_id"),
        CheckConstraint(TARGET_SCOPE_SQL, name="scope_id"),
        Index("ix_targets_customer_id", "customer_id"),
        Index("ix_targets_contract_id", "contract_id"),
        Index("ix_targets_scope_owner", "scope_owner"),
        Index("ix_targets_period_end", "period_end"),
        Index(
            "ix_targets_scan_open", "period_start", postgresql_where=text("scan_closed_on IS NULL")
        ),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    name: str = Field(sa_type=Text)
    amount: Decimal = Field(sa_type=MONEY)
    currency: str = Field(sa_type=String(3))
    period_start: date = Field(sa_type=Date)
    period_end: date = Field(sa_type=Date)
    scope: str = Field(sa_type=Text)
    customer_id: UUID | None = Field(sa_type=ID, foreign_key="customers.id")
    contract_id: UUID | None = Field(sa_type=ID, foreign_key="contracts.id")
    scope_owner: str | None = Field(sa_type=Text)
    owner: str | None = Field(sa_type=Text)
    description: str | None = Field(sa_type=Text)
    # Set by target-pace once the period is over and its last event sent (migration 0007).
    scan_closed_on: date | None = Field(sa_type=Date)
    version: int = Field(sa_type=Integer)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    updated_at: datetime = Field(sa_type=TIMESTAMP)
    # Migration 0012_organisation: unit and project scopes, and the target tree.
    org_unit_id: UUID | None = Field(sa_type=ID, foreign_key="org_units.id")
    project_id: UUID | None = Field(sa_type=ID, foreign_key="projects.id")
    parent_id: UUID | None = Field(sa_type=ID, foreign_key="targets.id")


targets: Table = TargetRow.__table__


class TaskRow(TableModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('call','email','visit','invoice','reminder','legal','other')", name="kind"
        ),
        CheckConstraint("status IN ('todo','in_progress','done','cancelled')", name="status"),
        CheckConstraint("priority IN ('low','normal','high','urgent')", name="priority"),
        Index("ix_tasks_assignee", "assignee"),
        Index("ix_tasks_target_id", "target_id"),
        Index("ix_tasks_customer_id", "customer_id"),
        Index("ix_tasks_invoice_id", "invoice_id"),
        Index("ix_tasks_open_due_date", "due_date", postgresql_where=text(OPEN_TASK_SQL)),
        # The worklist: what an assignee's open tasks point at, a contract's tasks (0009).
        Index("ix_tasks_open_assignee", "assignee", postgresql_where=text(OPEN_TASK_SQL)),
        Index("ix_tasks_contract_id", "contract_id"),
        Index(
            "ix_tasks_overdue_queue",
            "due_date",
            postgresql_where=text(f"{OPEN_TASK_SQL} AND {unscanned('overdue_scanned_for')}"),
        ),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    title: str = Field(sa_type=Text)
    kind: str = Field(sa_type=Text)
    status: str = Field(sa_type=Text)
    priority: str = Field(sa_type=Text)
    assignee: str | None = Field(sa_type=Text)
    due_date: date | None = Field(sa_type=Date)
    target_id: UUID | None = Field(sa_type=ID, foreign_key="targets.id")
    customer_id: UUID | None = Field(sa_type=ID, foreign_key="customers.id")
    contract_id: UUID | None = Field(sa_type=ID, foreign_key="contracts.id")
    invoice_id: UUID | None = Field(sa_type=ID, foreign_key="invoices.id")
    description: str | None = Field(sa_type=Text)
    completed_at: datetime | None = Field(sa_type=TIMESTAMP)
    cancelled_at: datetime | None = Field(sa_type=TIMESTAMP)
    overdue_scanned_for: date | None = Field(sa_type=Date)  # migration 0007
    version: int = Field(sa_type=Integer)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    updated_at: datetime = Field(sa_type=TIMESTAMP)


tasks: Table = TaskRow.__table__


class InteractionRow(TableModel, table=True):
    __tablename__ = "interactions"
    __table_args__ = (
        CheckConstraint(
            "channel IN ('phone','email','meeting','visit','im','letter')", name="channel"
        ),
        Index("ix_interactions_customer_id", "customer_id"),
        Index("ix_interactions_invoice_id", "invoice_id"),
        # Limitation periods (migration 0014): a customer's demands.
        Index("ix_interactions_demand_customer_id", "customer_id", postgresql_where=text("demand")),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    customer_id: UUID = Field(sa_type=ID, foreign_key="customers.id")
    invoice_id: UUID | None = Field(sa_type=ID, foreign_key="invoices.id")
    channel: str = Field(sa_type=Text)
    occurred_at: datetime = Field(sa_type=TIMESTAMP)
    summary: str = Field(sa_type=Text)
    outcome: str | None = Field(sa_type=Text)
    recorded_by: str = Field(sa_type=Text)
    recorded_by_user: str | None = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    # Migration 0014: a demand for payment and its evidence links.
    demand: bool = Field(sa_type=Boolean, sa_column_kwargs={"server_default": text("false")})
    evidence: JSON = Field(sa_type=JSONB, sa_column_kwargs={"server_default": text("'[]'")})


interactions: Table = InteractionRow.__table__


class PromiseRow(TableModel, table=True):
    __tablename__ = "promises"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("paid_amount >= 0", name="paid_amount"),
        CheckConstraint("status IN ('open','kept','partially_kept','broken')", name="status"),
        # What a payment allocation looks up: the customer's unsettled promises in a currency.
        Index(
            "ix_promises_unsettled_customer_id_currency",
            "customer_id",
            "currency",
            postgresql_where=text(UNSETTLED_PROMISE_SQL),
        ),
        Index(
            "ix_promises_unsettled_promised_date",
            "promised_date",
            postgresql_where=text(UNSETTLED_PROMISE_SQL),
        ),
        Index("ix_promises_invoice_id", "invoice_id"),
        # What promise-check reads: open promises by date (migration 0007).
        Index(
            "ix_promises_open_promised_date",
            "promised_date",
            postgresql_where=text("status = 'open'"),
        ),
        # The worklist: a customer's promises broken lately (migration 0009).
        Index(
            "ix_promises_broken_customer_id_promised_date",
            "customer_id",
            "promised_date",
            postgresql_where=text("status = 'broken'"),
        ),
        # Limitation periods: a customer's promises after a due date interrupt its
        # receivables (without it, every open receivable read all promises; migration 0020).
        Index("ix_promises_customer_id_made_on", "customer_id", "made_on"),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    interaction_id: UUID = Field(sa_type=ID, foreign_key="interactions.id", unique=True)
    customer_id: UUID = Field(sa_type=ID, foreign_key="customers.id")
    invoice_id: UUID | None = Field(sa_type=ID, foreign_key="invoices.id")
    amount: Decimal = Field(sa_type=MONEY)
    currency: str = Field(sa_type=String(3))
    paid_amount: Decimal = Field(sa_type=MONEY)
    promised_date: date = Field(sa_type=Date)
    made_on: date = Field(sa_type=Date)
    status: str = Field(sa_type=Text)
    kept_at: datetime | None = Field(sa_type=TIMESTAMP)
    broken_at: datetime | None = Field(sa_type=TIMESTAMP)
    version: int = Field(sa_type=Integer)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    updated_at: datetime = Field(sa_type=TIMESTAMP)


promises: Table = PromiseRow.__table__


# ``severity`` is 1 low .. 4 critical, so that rules raise it with GREATEST and lists sort
# by it. ``escalated_from`` is the severity before the last escalation.
class RiskFlagRow(TableModel, table=True):
    __tablename__ = "risk_flags"
    __table_args__ = (
        CheckConstraint("subject_type IN ('customer','contract','invoice')", name="subject_type"),
        CheckConstraint(
            "kind IN ('overdue','broken_promise','amount_mismatch','invoice_error','credit',"
            "'dispute','legal','other')",
            name="kind",
        ),
        CheckConstraint("severity BETWEEN 1 AND 4", name="severity"),
        CheckConstraint("status IN ('open','mitigating','resolved','dismissed')", name="status"),
        CheckConstraint("source IN ('rule','user')", name="source"),
        CheckConstraint("(source = 'rule') = (rule IS NOT NULL)", name="rule"),
        # At most one active flag per subject and kind: rules upsert against this index.
        Index(
            "uq_risk_flags_active_subject_type_subject_id_kind",
            "subject_type",
            "subject_id",
            "kind",
            unique=True,
            postgresql_where=text(ACTIVE_FLAG_SQL),
        ),
        Index("ix_risk_flags_customer_id", "customer_id"),
        Index("ix_risk_flags_subject_id", "subject_id"),
        # The worklist: the active flags someone owns (migration 0009).
        Index("ix_risk_flags_active_owner", "owner", postgresql_where=text(ACTIVE_FLAG_SQL)),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    subject_type: str = Field(sa_type=Text)
    subject_id: UUID = Field(sa_type=ID)
    customer_id: UUID = Field(sa_type=ID, foreign_key="customers.id")
    kind: str = Field(sa_type=Text)
    severity: int = Field(sa_type=SmallInteger)
    status: str = Field(sa_type=Text)
    source: str = Field(sa_type=Text)
    rule: str | None = Field(sa_type=Text)
    description: str | None = Field(sa_type=Text)
    mitigation_plan: str | None = Field(sa_type=Text)
    owner: str | None = Field(sa_type=Text)
    resolution_note: str | None = Field(sa_type=Text)
    resolved_at: datetime | None = Field(sa_type=TIMESTAMP)
    escalated_from: int | None = Field(sa_type=SmallInteger)
    version: int = Field(sa_type=Integer)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    updated_at: datetime = Field(sa_type=TIMESTAMP)


risk_flags: Table = RiskFlagRow.__table__


class DunningPolicyRow(TableModel, table=True):
    __tablename__ = "dunning_policy"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: int = Field(sa_type=Integer, primary_key=True)
    levels: JSON = Field(sa_type=JSONB)
    version: int = Field(sa_type=Integer)
    updated_at: datetime = Field(sa_type=TIMESTAMP)
    updated_by: str | None = Field(sa_type=Text)
    updated_by_user: str | None = Field(sa_type=Text)


dunning_policy: Table = DunningPolicyRow.__table__


# Migration 0014: balance confirmations and legal actions (the paper trail).
class BalanceConfirmationRow(TableModel, table=True):
    __tablename__ = "balance_confirmations"
    __table_args__ = (
        CheckConstraint("status IN ('sent','confirmed','disputed','no_reply')", name="status"),
        Index("ix_balance_confirmations_customer_id_as_of", "customer_id", "as_of"),
        # Limitation periods: a customer's confirmed balances in a currency.
        Index(
            "ix_balance_confirmations_confirmed_customer_id_currency",
            "customer_id",
            "currency",
            postgresql_where=text("status = 'confirmed'"),
        ),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    customer_id: UUID = Field(sa_type=ID, foreign_key="customers.id")
    currency: str = Field(sa_type=String(3))
    as_of: date = Field(sa_type=Date)
    book_balance: Decimal = Field(sa_type=MONEY)
    status: str = Field(sa_type=Text)
    confirmed_balance: Decimal | None = Field(sa_type=MONEY)
    confirmed_on: date | None = Field(sa_type=Date)
    confirmed_by: str | None = Field(sa_type=Text)
    note: str | None = Field(sa_type=Text)
    evidence: JSON = Field(sa_type=JSONB)
    version: int = Field(sa_type=Integer)
    created_by: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    updated_at: datetime = Field(sa_type=TIMESTAMP)


balance_confirmations: Table = BalanceConfirmationRow.__table__


class LegalActionRow(TableModel, table=True):
    __tablename__ = "legal_actions"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('lawsuit','arbitration','payment_order','mediation')", name="kind"
        ),
        Index("ix_legal_actions_invoice_id", "invoice_id"),
        Index("ix_legal_actions_customer_id", "customer_id"),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    invoice_id: UUID = Field(sa_type=ID, foreign_key="invoices.id")
    customer_id: UUID = Field(sa_type=ID, foreign_key="customers.id")
    kind: str = Field(sa_type=Text)
    filed_on: date = Field(sa_type=Date)
    court: str | None = Field(sa_type=Text)
    case_no: str | None = Field(sa_type=Text)
    evidence: JSON = Field(sa_type=JSONB)
    created_by: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=TIMESTAMP)


legal_actions: Table = LegalActionRow.__table__

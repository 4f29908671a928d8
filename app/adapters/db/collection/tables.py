"""Collection work: targets, tasks, interactions, promises, risk flags and the dunning
policy (migration 0005_collection_work)."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
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
from sqlalchemy.dialects.postgresql import JSONB, UUID

from app.adapters.db.metadata import MONEY, TIMESTAMP, metadata, unscanned

# A target's scope is one of: the org (no id), a customer, a contract, or an owner (a user id).
TARGET_SCOPE_SQL = (
    "(scope = 'org' AND customer_id IS NULL AND contract_id IS NULL AND scope_owner IS NULL)"
    " OR (scope = 'customer' AND customer_id IS NOT NULL AND contract_id IS NULL"
    " AND scope_owner IS NULL)"
    " OR (scope = 'contract' AND contract_id IS NOT NULL AND customer_id IS NULL"
    " AND scope_owner IS NULL)"
    " OR (scope = 'owner' AND scope_owner IS NOT NULL AND customer_id IS NULL"
    " AND contract_id IS NULL)"
)

targets = Table(
    "targets",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("scope", Text, nullable=False),
    Column("customer_id", UUID(as_uuid=True), ForeignKey("customers.id")),
    Column("contract_id", UUID(as_uuid=True), ForeignKey("contracts.id")),
    Column("scope_owner", Text),
    Column("owner", Text),
    Column("description", Text),
    # Set by target-pace once the period is over and its last event sent (migration 0007).
    Column("scan_closed_on", Date),
    Column("version", Integer, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("period_end >= period_start", name="period"),
    CheckConstraint("scope IN ('org','customer','contract','owner')", name="scope"),
    CheckConstraint(TARGET_SCOPE_SQL, name="scope_id"),
    Index("ix_targets_customer_id", "customer_id"),
    Index("ix_targets_contract_id", "contract_id"),
    Index("ix_targets_scope_owner", "scope_owner"),
    Index("ix_targets_period_end", "period_end"),
    Index("ix_targets_scan_open", "period_start", postgresql_where=text("scan_closed_on IS NULL")),
)

OPEN_TASK_SQL = "status IN ('todo', 'in_progress')"

tasks = Table(
    "tasks",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("title", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("priority", Text, nullable=False),
    Column("assignee", Text),
    Column("due_date", Date),
    Column("target_id", UUID(as_uuid=True), ForeignKey("targets.id")),
    Column("customer_id", UUID(as_uuid=True), ForeignKey("customers.id")),
    Column("contract_id", UUID(as_uuid=True), ForeignKey("contracts.id")),
    Column("invoice_id", UUID(as_uuid=True), ForeignKey("invoices.id")),
    Column("description", Text),
    Column("completed_at", TIMESTAMP),
    Column("cancelled_at", TIMESTAMP),
    Column("overdue_scanned_for", Date),  # migration 0007
    Column("version", Integer, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
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

interactions = Table(
    "interactions",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("customer_id", UUID(as_uuid=True), ForeignKey("customers.id"), nullable=False),
    Column("invoice_id", UUID(as_uuid=True), ForeignKey("invoices.id")),
    Column("channel", Text, nullable=False),
    Column("occurred_at", TIMESTAMP, nullable=False),
    Column("summary", Text, nullable=False),
    Column("outcome", Text),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_by_user", Text),
    Column("created_at", TIMESTAMP, nullable=False),
    CheckConstraint("channel IN ('phone','email','meeting','visit','im','letter')", name="channel"),
    Index("ix_interactions_customer_id", "customer_id"),
    Index("ix_interactions_invoice_id", "invoice_id"),
)

UNSETTLED_PROMISE_SQL = "status IN ('open', 'partially_kept')"

promises = Table(
    "promises",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column(
        "interaction_id",
        UUID(as_uuid=True),
        ForeignKey("interactions.id"),
        nullable=False,
        unique=True,
    ),
    Column("customer_id", UUID(as_uuid=True), ForeignKey("customers.id"), nullable=False),
    Column("invoice_id", UUID(as_uuid=True), ForeignKey("invoices.id")),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("paid_amount", MONEY, nullable=False),
    Column("promised_date", Date, nullable=False),
    Column("made_on", Date, nullable=False),
    Column("status", Text, nullable=False),
    Column("kept_at", TIMESTAMP),
    Column("broken_at", TIMESTAMP),
    Column("version", Integer, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
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
)

ACTIVE_FLAG_SQL = "status IN ('open', 'mitigating')"

# ``severity`` is 1 low .. 4 critical, so that rules raise it with GREATEST and lists sort
# by it. ``escalated_from`` is the severity before the last escalation.
risk_flags = Table(
    "risk_flags",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("subject_type", Text, nullable=False),
    Column("subject_id", UUID(as_uuid=True), nullable=False),
    Column("customer_id", UUID(as_uuid=True), ForeignKey("customers.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("severity", SmallInteger, nullable=False),
    Column("status", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("rule", Text),
    Column("description", Text),
    Column("mitigation_plan", Text),
    Column("owner", Text),
    Column("resolution_note", Text),
    Column("resolved_at", TIMESTAMP),
    Column("escalated_from", SmallInteger),
    Column("version", Integer, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
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

dunning_policy = Table(
    "dunning_policy",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("levels", JSONB, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    Column("updated_by", Text),
    Column("updated_by_user", Text),
    CheckConstraint("id = 1", name="single_row"),
)

"""Tables, as SQLAlchemy Core ``Table``s. Rows map to domain dataclasses in the repositories.

The naming convention gives every constraint a predictable name, so Alembic migrations
and the error mapping (``constraint_name`` -> domain error) can rely on it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.types import UserDefinedType


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id (``pg_current_xact_id()``)."""

    cache_ok = True

    def get_col_spec(self, **_: object) -> str:
        return "xid8"


NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

MONEY = Numeric(20, 4)
RATE = Numeric(10, 6)
TIMESTAMP = DateTime(timezone=True)


def _now() -> Column[object]:
    return Column("created_at", TIMESTAMP, nullable=False, server_default=func.now())


def unscanned(marker: str) -> str:
    """A scan queue's condition: the row was not yet scanned for its current due date."""
    return f"{marker} IS DISTINCT FROM due_date"


api_keys = Table(
    "api_keys",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("scopes", ARRAY(Text), nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("revoked_at", TIMESTAMP),
)

customers = Table(
    "customers",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("external_id", Text, unique=True),
    Column("name", Text, nullable=False),
    Column("credit_rating", String(1)),
    Column("credit_limit", MONEY),
    Column("currency", String(3), nullable=False),
    Column("payment_terms_days", Integer, nullable=False),
    Column("contacts", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("version", Integer, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    CheckConstraint("credit_rating IN ('A','B','C','D')", name="credit_rating"),
    CheckConstraint("credit_limit >= 0", name="credit_limit"),
)

# The outbox. ``position`` is a monotonic sequence; ``xid`` is the writing transaction's id,
# so that the event feed can read in commit-safe order (see docs/delivery.md).
outbox_events = Table(
    "outbox_events",
    metadata,
    Column("position", BigInteger, Identity(always=True), primary_key=True),
    Column("id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("type", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("time", TIMESTAMP, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("xid", Xid8(), nullable=False, server_default=text("pg_current_xact_id()")),
    _now(),
    Index("ix_outbox_events_xid_position", "xid", "position"),
    Index("ix_outbox_events_type_xid_position", "type", "xid", "position"),
    Index("ix_outbox_events_subject_xid_position", "subject", "xid", "position"),
    Index("ix_outbox_events_time", "time", postgresql_using="brin"),
)

# Outbox events not yet fanned out to deliveries. A trigger on outbox_events fills it in
# the inserting transaction (migration 0003); the relay deletes what it fans out.
outbox_pending = Table(
    "outbox_pending",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("url", Text, nullable=False),
    Column("event_types", ARRAY(Text), nullable=False),
    Column("description", Text),
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", Text),
    Column("secret", Text, nullable=False),
    Column("previous_secret", Text),
    Column("previous_secret_expires_at", TIMESTAMP),
    # Since when every attempt has failed (NULL after any success): the disable-after rule.
    Column("failing_since", TIMESTAMP),
    Column("version", Integer, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
)

# One row per (event, subscribed endpoint). ``attempts`` keeps every attempt's outcome;
# ``leased_until``/``lease_token`` mark a row a relay is sending right now.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("huikuan_uuidv7()")),
    Column(
        "endpoint_id",
        UUID(as_uuid=True),
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_id", UUID(as_uuid=True), ForeignKey("outbox_events.id"), nullable=False),
    Column("event_type", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("attempt_count", Integer, nullable=False, server_default="0"),
    Column("allowed_attempts", Integer, nullable=False),
    Column("next_attempt_at", TIMESTAMP),
    Column("leased_until", TIMESTAMP),
    Column("lease_token", UUID(as_uuid=True)),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("delivered_at", TIMESTAMP),
    Column("attempts", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    UniqueConstraint("event_id", "endpoint_id"),
    CheckConstraint("status IN ('pending','delivered','failed')", name="status"),
    Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
    Index(
        "ix_webhook_deliveries_due",
        "endpoint_id",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
    ),
    Index("ix_webhook_deliveries_created_at", "created_at", postgresql_using="brin"),
)

# Signed requests' webhook-ids share idempotency_keys with Idempotency-Key claims, under
# this scope (app/adapters/db/uow.py); each kind expires on its own clock, so each has its
# own retention index (migration 0011).
MESSAGE_SCOPE_SQL = "scope = 'webhook-id'"
CLAIM_SCOPE_SQL = "scope <> 'webhook-id'"

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("fingerprint", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("lease_until", TIMESTAMP, nullable=False),
    Column("committed_at", TIMESTAMP),
    Column("response_status", Integer),
    Column("response_headers", JSONB),
    Column("response_body", LargeBinary),
    Index(
        "ix_idempotency_keys_claims_created_at",
        "created_at",
        postgresql_where=text(CLAIM_SCOPE_SQL),
    ),
    Index(
        "ix_idempotency_keys_messages_created_at",
        "created_at",
        postgresql_where=text(MESSAGE_SCOPE_SQL),
    ),
)

test_clock = Table(
    "test_clock",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("offset_us", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

# --- Receivables (migration 0002_receivables) -------------------------------------------

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

# --- Collection work (migration 0005_collection_work) ----------------------------------

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

# --- Scheduler (migration 0007_scheduler) -----------------------------------------------

STANDING_INSTALLMENT_FINDING_SQL = "kind = 'installment.overdue' AND cleared_at IS NULL"

# Every finding of a scheduled job, once: the primary key is its natural key, so a job that
# runs twice (or in two processes at once) inserts nothing new and so emits nothing new.
# ``cleared_at`` marks an installment found overdue that no longer is (overdue-summary).
findings = Table(
    "findings",
    metadata,
    Column("kind", Text, primary_key=True),
    Column("subject_id", UUID(as_uuid=True), primary_key=True),
    Column("key", Text, primary_key=True),
    Column("customer_id", UUID(as_uuid=True)),
    Column("found_at", TIMESTAMP, nullable=False),
    Column("cleared_at", TIMESTAMP),
    Index(
        "ix_findings_standing_installments",
        "customer_id",
        postgresql_where=text(STANDING_INSTALLMENT_FINDING_SQL),
    ),
)

# --- Ingestion (migration 0009_ingestion) ------------------------------------------------

INGEST_STATUS_SQL = "status IN ('parked', 'applied', 'rejected')"

# One row per inbound event, unique by (source, event_id): the key that makes a repeat a
# duplicate. ``subject`` and ``waits_for`` hold record keys ("invoice:INV-1"); parked
# events are found by what they wait for (GIN), staleness by subject and occurred_at.
ingest_events = Table(
    "ingest_events",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("source", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("subject", Text),
    Column("occurred_at", TIMESTAMP),
    Column("received_at", TIMESTAMP, nullable=False),
    Column("status", Text, nullable=False),
    Column("waits_for", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
    Column("payload", JSONB, nullable=False),
    Column("problem", JSONB),
    Column("note", Text),
    Column("sent_by", Text, nullable=False),
    Column("sent_by_user", Text),
    Column("applied_at", TIMESTAMP),
    UniqueConstraint("source", "event_id"),
    CheckConstraint(INGEST_STATUS_SQL, name="status"),
    Index("ix_ingest_events_status_id", "status", "id"),
    Index("ix_ingest_events_source_id", "source", "id"),
    Index(
        "ix_ingest_events_waits_for",
        "waits_for",
        postgresql_using="gin",
        postgresql_where=text("status = 'parked'"),
    ),
    Index(
        "ix_ingest_events_subject_occurred_at",
        "subject",
        "occurred_at",
        postgresql_where=text("status = 'applied'"),
    ),
)

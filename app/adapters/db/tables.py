"""Tables, as SQLAlchemy Core ``Table``s. Rows map to domain dataclasses in the repositories.

The naming convention gives every constraint a predictable name, so Alembic migrations
and the error mapping (``constraint_name`` -> domain error) can rely on it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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
# so that the event feed can read in commit-safe order (see the README, "Event feed").
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
    Index("ix_outbox_events_type_position", "type", "position"),
)

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
    Index("ix_idempotency_keys_created_at", "created_at"),
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
    Column("version", Integer, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("updated_at", TIMESTAMP, nullable=False),
    Column("status", Text, Computed(INVOICE_STATUS_SQL, persisted=True), nullable=False),
    Column("outstanding", MONEY, Computed(INVOICE_OUTSTANDING_SQL, persisted=True), nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("amount_paid >= 0 AND amount_paid <= amount", name="amount_paid"),
    CheckConstraint("due_date >= issued_on", name="due_after_issue"),
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
)

# --- Ingestion (migration 0006_ingestion) ------------------------------------------------

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

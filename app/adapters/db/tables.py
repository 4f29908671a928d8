"""Tables, as SQLAlchemy Core ``Table``s. Rows map to domain dataclasses in the repositories.

The naming convention gives every constraint a predictable name, so Alembic migrations
and the error mapping (``constraint_name`` -> domain error) can rely on it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
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

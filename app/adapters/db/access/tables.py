"""API keys and Idempotency-Key claims (migration 0001_foundation)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from app.adapters.db.metadata import TIMESTAMP, metadata

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

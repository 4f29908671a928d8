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

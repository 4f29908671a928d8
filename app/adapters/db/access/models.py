"""API keys and Idempotency-Key claims (migration 0001_foundation)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field

from app.adapters.db.metadata import ID, JSON, TIMESTAMP, TableModel


class ApiKeyRow(TableModel, table=True):
    __tablename__ = "api_keys"

    id: UUID = Field(sa_type=ID, primary_key=True)
    name: str = Field(sa_type=Text)
    key_hash: str = Field(sa_type=String(64), unique=True)
    scopes: list[str] = Field(sa_type=ARRAY(Text))
    created_at: datetime = Field(sa_type=TIMESTAMP)
    revoked_at: datetime | None = Field(sa_type=TIMESTAMP)
    # The key always acts as its own name, whatever X-Actor says (migration 0015).
    fixed_actor: bool = Field(sa_type=Boolean, sa_column_kwargs={"server_default": text("false")})


api_keys: Table = ApiKeyRow.__table__

# Signed requests' webhook-ids share idempotency_keys with Idempotency-Key claims, under
# this scope (app/adapters/db/uow.py); each kind expires on its own clock, so each has its
# own retention index (migration 0011).
MESSAGE_SCOPE_SQL = "scope = 'webhook-id'"
CLAIM_SCOPE_SQL = "scope <> 'webhook-id'"


class IdempotencyKeyRow(TableModel, table=True):
    __tablename__ = "idempotency_keys"
    __table_args__ = (
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

    scope: str = Field(sa_type=Text, primary_key=True)
    key: str = Field(sa_type=Text, primary_key=True)
    fingerprint: str = Field(sa_type=Text)
    state: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    lease_until: datetime = Field(sa_type=TIMESTAMP)
    committed_at: datetime | None = Field(sa_type=TIMESTAMP)
    response_status: int | None = Field(sa_type=Integer)
    response_headers: JSON | None = Field(sa_type=JSONB)
    response_body: bytes | None = Field(sa_type=LargeBinary)


idempotency_keys: Table = IdempotencyKeyRow.__table__

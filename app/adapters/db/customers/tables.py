"""Customers (migration 0001_foundation)."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from app.adapters.db.metadata import MONEY, TIMESTAMP, metadata

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

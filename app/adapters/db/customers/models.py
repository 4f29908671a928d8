"""Customers (migration 0001_foundation)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import (
    CheckConstraint,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from app.adapters.db.metadata import ID, JSON, MONEY, TIMESTAMP, TableModel


class CustomerRow(TableModel, table=True):
    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("credit_rating IN ('A','B','C','D')", name="credit_rating"),
        CheckConstraint("credit_limit >= 0", name="credit_limit"),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    external_id: str | None = Field(sa_type=Text, unique=True)
    name: str = Field(sa_type=Text)
    credit_rating: str | None = Field(sa_type=String(1))
    credit_limit: Decimal | None = Field(sa_type=MONEY)
    currency: str = Field(sa_type=String(3))
    payment_terms_days: int | None = Field(sa_type=Integer)
    contacts: JSON = Field(sa_type=JSONB, sa_column_kwargs={"server_default": text("'[]'::jsonb")})
    version: int = Field(sa_type=Integer)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    updated_at: datetime = Field(sa_type=TIMESTAMP)


customers: Table = CustomerRow.__table__

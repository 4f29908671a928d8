"""Customers in PostgreSQL, the write side (lists: ``customer_queries.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from app.adapters.db.connection import Executor
from app.adapters.db.customers.models import customers
from app.adapters.db.errors import translate_integrity_error
from app.domain.customers.customers import Contact, CreditRating, Customer
from app.domain.errors import DuplicateExternalId, StaleVersion
from app.domain.money import Money


def customer_row(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "external_id": customer.external_id,
        "name": customer.name,
        "credit_rating": customer.credit_rating.value if customer.credit_rating else None,
        "credit_limit": customer.credit_limit.amount if customer.credit_limit else None,
        "currency": customer.currency,
        "payment_terms_days": customer.payment_terms_days,
        "contacts": [
            {"name": c.name, "email": c.email, "phone": c.phone, "role": c.role}
            for c in customer.contacts
        ],
        "version": customer.version,
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
    }


def customer_from_row(row: RowMapping) -> Customer:
    return Customer(
        id=row["id"],
        external_id=row["external_id"],
        name=row["name"],
        credit_rating=CreditRating(row["credit_rating"]) if row["credit_rating"] else None,
        credit_limit=(
            Money.of(row["credit_limit"], row["currency"])
            if row["credit_limit"] is not None
            else None
        ),
        currency=row["currency"],
        payment_terms_days=row["payment_terms_days"],
        contacts=tuple(Contact(**c) for c in row["contacts"]),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _translate(exc: IntegrityError, customer: Customer) -> Exception:
    mapping = {
        "uq_customers_external_id": lambda: DuplicateExternalId(
            "customer", customer.external_id or ""
        )
    }
    return translate_integrity_error(exc, mapping) or exc


class SqlCustomerRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, customer: Customer) -> None:
        try:
            await self.conn.execute(insert(customers).values(customer_row(customer)))
        except IntegrityError as exc:
            raise _translate(exc, customer) from exc

    async def add_many(self, items: Sequence[Customer]) -> None:
        if not items:
            return
        try:
            await self.conn.execute(insert(customers), [customer_row(c) for c in items])
        except IntegrityError as exc:
            raise _translate(exc, items[0]) from exc

    async def get(self, customer_id: UUID) -> Customer | None:
        row = (
            (await self.conn.execute(select(customers).where(customers.c.id == customer_id)))
            .mappings()
            .first()
        )
        return customer_from_row(row) if row else None

    async def lock(self, customer_id: UUID) -> bool:
        query = (
            select(customers.c.id)
            .where(customers.c.id == customer_id)
            .with_for_update(key_share=True)
        )
        return (await self.conn.execute(query)).first() is not None

    async def save(self, customer: Customer, expected_version: int) -> None:
        values = customer_row(customer)
        del values["id"], values["created_at"]
        statement = (
            update(customers)
            .where(customers.c.id == customer.id, customers.c.version == expected_version)
            .values(values)
            .returning(customers.c.version)
        )
        try:
            written = (await self.conn.execute(statement)).scalar_one_or_none()
        except IntegrityError as exc:
            raise _translate(exc, customer) from exc
        if written is None:
            raise StaleVersion("customer", expected_version)

"""Customers' names, invoices' numbers and contracts' owners for the delivery context's
chat messages (its ``SubjectNames`` port): events carry ids, people read names."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select

from app.adapters.db.connection import Executor
from app.adapters.db.customers.models import customers
from app.adapters.db.receivables.models import contracts, invoices


class SqlSubjectNames:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def customer_names(self, customer_ids: Sequence[UUID]) -> dict[UUID, str]:
        query = select(customers.c.id, customers.c.name).where(customers.c.id.in_(customer_ids))
        return {row.id: row.name for row in (await self.conn.execute(query)).all()}

    async def invoice_numbers(self, invoice_ids: Sequence[UUID]) -> dict[UUID, str]:
        query = select(invoices.c.id, invoices.c.external_id).where(
            invoices.c.id.in_(invoice_ids), invoices.c.external_id.is_not(None)
        )
        return {row.id: row.external_id for row in (await self.conn.execute(query)).all()}

    async def contract_owners(self, contract_ids: Sequence[UUID]) -> dict[UUID, str]:
        query = select(contracts.c.id, contracts.c.owner).where(
            contracts.c.id.in_(contract_ids), contracts.c.owner.is_not(None)
        )
        return {row.id: row.owner for row in (await self.conn.execute(query)).all()}

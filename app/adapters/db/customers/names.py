"""Customers' names for the delivery context's chat messages (its ``CustomerNames`` port)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select

from app.adapters.db.connection import Executor
from app.adapters.db.customers.models import customers


class SqlCustomerNames:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def names(self, customer_ids: Sequence[UUID]) -> dict[UUID, str]:
        query = select(customers.c.id, customers.c.name).where(customers.c.id.in_(customer_ids))
        return {row.id: row.name for row in (await self.conn.execute(query)).all()}

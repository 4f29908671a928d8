"""The read side of customers in PostgreSQL: lists."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from app.adapters.db.connection import Executor
from app.adapters.db.customers.customers import customer_from_row
from app.adapters.db.customers.models import customers
from app.domain.customers.customers import Customer
from app.services.pagination import PageRequest


class SqlCustomerQueries:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def list(
        self, *, external_id: str | None, q: str | None, page: PageRequest
    ) -> Sequence[Customer]:
        query = select(customers).order_by(customers.c.id).limit(page.fetch)
        if external_id is not None:
            query = query.where(customers.c.external_id == external_id)
        if q:
            pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(customers.c.name.ilike(pattern))
        if page.after:
            query = query.where(customers.c.id > page.after_uuid())
        rows = (await self.conn.execute(query)).mappings().all()
        return [customer_from_row(r) for r in rows]

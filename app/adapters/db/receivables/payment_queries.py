"""The read side of payments in PostgreSQL: lists, each payment with its allocations."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select

from app.adapters.db.connection import Executor
from app.adapters.db.receivables.models import payments
from app.adapters.db.receivables.payments import allocations_of, payment_from_row
from app.domain.receivables.payments import Payment, PaymentStatus
from app.services.pagination import PageRequest


class SqlPaymentQueries:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def list(
        self,
        *,
        customer_id: UUID | None,
        external_id: str | None,
        status: PaymentStatus | None,
        page: PageRequest,
    ) -> Sequence[Payment]:
        query = select(payments).order_by(payments.c.id).limit(page.fetch)
        if customer_id is not None:
            query = query.where(payments.c.customer_id == customer_id)
        if external_id is not None:
            query = query.where(payments.c.external_id == external_id)
        if status is not None:
            query = query.where(payments.c.status == status.value)
        if page.after:
            query = query.where(payments.c.id > page.after_uuid())
        rows = (await self.conn.execute(query)).mappings().all()
        allocations = await allocations_of(self.conn, [r["id"] for r in rows])
        return [payment_from_row(r, allocations[r["id"]]) for r in rows]

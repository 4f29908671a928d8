"""Payments and their allocations in PostgreSQL, the write side (lists: ``payment_queries.py``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from app.adapters.db.connection import Executor
from app.adapters.db.engine import dumps
from app.adapters.db.errors import driver_error, translate_integrity_error
from app.adapters.db.metadata import column_list, columns_of
from app.adapters.db.receivables.models import payment_allocations, payments
from app.domain.errors import Conflict, DuplicateExternalId, UnknownReference
from app.domain.money import Money
from app.domain.receivables.payments import Allocation, Payment, UndoReason


def payment_row(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "customer_id": payment.customer_id,
        "external_id": payment.external_id,
        "amount": payment.amount.amount,
        "currency": payment.currency,
        "allocated_amount": payment.allocated_amount.amount,
        "received_on": payment.received_on,
        "method": payment.method,
        "reference": payment.reference,
        "reversed_at": payment.reversed_at,
        "reversal_reason": payment.reversal_reason,
        "version": payment.version,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
    }


def allocation_row(allocation: Allocation) -> dict[str, Any]:
    return {
        "id": allocation.id,
        "payment_id": allocation.payment_id,
        "invoice_id": allocation.invoice_id,
        "amount": allocation.amount.amount,
        "currency": allocation.amount.currency,
        "received_on": allocation.received_on,
        "created_at": allocation.created_at,
        "created_by": allocation.created_by,
        "undone_at": allocation.undone_at,
        "undone_reason": allocation.undone_reason.value if allocation.undone_reason else None,
    }


def allocation_from_row(row: RowMapping) -> Allocation:
    return Allocation(
        id=row["id"],
        payment_id=row["payment_id"],
        invoice_id=row["invoice_id"],
        amount=Money.of(row["amount"], row["currency"]),
        received_on=row["received_on"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        undone_at=row["undone_at"],
        undone_reason=UndoReason(row["undone_reason"]) if row["undone_reason"] else None,
    )


def payment_from_row(row: RowMapping, allocations: Sequence[Allocation]) -> Payment:
    currency = row["currency"]
    return Payment(
        id=row["id"],
        customer_id=row["customer_id"],
        external_id=row["external_id"],
        amount=Money.of(row["amount"], currency),
        allocated_amount=Money.of(row["allocated_amount"], currency),
        received_on=row["received_on"],
        method=row["method"],
        reference=row["reference"],
        allocations=tuple(allocations),
        reversed_at=row["reversed_at"],
        reversal_reason=row["reversal_reason"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _translate(exc: Exception, payment: Payment) -> Exception:
    mapping = {
        "uq_payments_external_id": lambda: DuplicateExternalId(
            "payment", payment.external_id or ""
        ),
        "fk_payments_customer_id_customers": lambda: UnknownReference(
            "customer", payment.customer_id, ("customer_id",)
        ),
        # The last line of defence behind the row locks: never reached when they work.
        "ck_payments_allocated_amount": lambda: Conflict(
            "the allocation would take the payment past its amount"
        ),
        "ck_invoices_amount_paid": lambda: Conflict(
            "the allocation would take an invoice past its amount"
        ),
    }
    return translate_integrity_error(exc, mapping) or exc


# The columns a new payment and its allocations are written with (the rest are set later,
# or generated); the statement's column lists and arrays come from them.
_NEW_PAYMENT_COLUMNS = columns_of(payments, without=("reversed_at", "reversal_reason", "status"))
_NEW_ALLOCATION_COLUMNS = columns_of(payment_allocations, without=("undone_at", "undone_reason"))
# New payments, their allocations and the invoices' running totals in one statement (one
# round trip for a whole batch); foreign keys are checked at its end, when all rows exist.
# The rows travel as two JSON arrays (one orjson call each): binding ten thousand values
# one by one cost the service more CPU than PostgreSQL spends reading them as JSON.
_ADD_ALLOCATED = f"""
WITH new_payments AS (
    INSERT INTO payments ({column_list(_NEW_PAYMENT_COLUMNS)})
    SELECT {column_list(_NEW_PAYMENT_COLUMNS)}
    FROM json_populate_recordset(NULL::payments, $1::json)
), new_allocations AS (
    INSERT INTO payment_allocations ({column_list(_NEW_ALLOCATION_COLUMNS)})
    SELECT {column_list(_NEW_ALLOCATION_COLUMNS)}
    FROM json_populate_recordset(NULL::payment_allocations, $2::json)
)
UPDATE invoices AS i
SET amount_paid = i.amount_paid + d.amount, version = i.version + 1, updated_at = $5
FROM unnest($3::uuid[], $4::numeric[]) AS d(id, amount)
WHERE i.id = d.id
"""


async def allocations_of(
    conn: Executor, payment_ids: Collection[UUID]
) -> dict[UUID, list[Allocation]]:
    """The payments' allocations, undone ones included, oldest first."""
    found: dict[UUID, list[Allocation]] = defaultdict(list)
    if not payment_ids:
        return found
    query = (
        select(payment_allocations)
        .where(payment_allocations.c.payment_id.in_(list(payment_ids)))
        .order_by(payment_allocations.c.created_at, payment_allocations.c.id)
    )
    for row in (await conn.execute(query)).mappings():
        found[row["payment_id"]].append(allocation_from_row(row))
    return found


def _culprit(exc: Exception, payments: Sequence[Payment]) -> Payment:
    """The payment a unique violation names ("Key (external_id)=(P-1) already exists")."""
    detail = str(getattr(driver_error(exc), "detail", "") or "")
    return next((p for p in payments if f"=({p.external_id})" in detail), payments[0])


class SqlPaymentRepository:
    def __init__(self, conn: Executor, driver: Any = None) -> None:
        self.conn = conn
        self.driver = driver  # the asyncpg connection, for the hot statements

    async def add(self, payment: Payment) -> None:
        try:
            await self.conn.execute(insert(payments).values(payment_row(payment)))
        except IntegrityError as exc:
            raise _translate(exc, payment) from exc
        if payment.allocations:
            rows = [allocation_row(a) for a in payment.allocations]
            await self.conn.execute(insert(payment_allocations), rows)

    async def add_allocated(
        self, payments: Sequence[Payment], paid: Mapping[UUID, Money], at: datetime
    ) -> None:
        if not payments:
            return
        rows = [payment_row(p) for p in payments]
        allocations = [allocation_row(a) for p in payments for a in p.allocations]
        try:
            await self.driver.execute(
                _ADD_ALLOCATED,
                dumps(rows),
                dumps(allocations),
                list(paid),
                [m.amount for m in paid.values()],
                at,
            )
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise _translate(exc, _culprit(exc, payments)) from exc

    async def get(self, payment_id: UUID, *, lock: bool = False) -> Payment | None:
        query = select(payments).where(payments.c.id == payment_id)
        if lock:
            query = query.with_for_update(key_share=True)
        row = (await self.conn.execute(query)).mappings().first()
        if row is None:
            return None
        allocations = await allocations_of(self.conn, [payment_id])
        return payment_from_row(row, allocations[payment_id])

    async def _move_allocated(self, payment: Payment, delta: Money) -> None:
        """Shift the running total by ``delta`` (computed by the database, checked by it)."""
        statement = (
            update(payments)
            .where(payments.c.id == payment.id)
            .values(
                allocated_amount=payments.c.allocated_amount + delta.amount,
                reversed_at=payment.reversed_at,
                reversal_reason=payment.reversal_reason,
                version=payments.c.version + 1,
                updated_at=payment.updated_at,
            )
        )
        try:
            await self.conn.execute(statement)
        except IntegrityError as exc:
            raise _translate(exc, payment) from exc

    async def add_allocations(self, payment: Payment, allocations: Sequence[Allocation]) -> None:
        if not allocations:
            return
        await self.conn.execute(
            insert(payment_allocations), [allocation_row(a) for a in allocations]
        )
        total = Money.sum((a.amount for a in allocations), payment.currency)
        await self._move_allocated(payment, total)

    async def mark_undone(self, payment: Payment, allocations: Sequence[Allocation]) -> None:
        """Allocations undone together share one time and reason (one statement)."""
        if allocations:
            first = allocations[0]
            reason = first.undone_reason.value if first.undone_reason else None
            await self.conn.execute(
                update(payment_allocations)
                .where(
                    payment_allocations.c.id.in_([a.id for a in allocations]),
                    payment_allocations.c.undone_at.is_(None),
                )
                .values(undone_at=first.undone_at, undone_reason=reason)
            )
        total = Money.sum((a.amount for a in allocations), payment.currency)
        await self._move_allocated(payment, Money.zero(payment.currency) - total)

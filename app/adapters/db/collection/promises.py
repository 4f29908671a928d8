"""Promises to pay in PostgreSQL, and what counts toward them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import RowMapping

from app.adapters.db.collection.models import promises as table
from app.adapters.db.collection.statuses import UNSETTLED_PROMISE_SQL
from app.adapters.db.connection import Executor
from app.domain.collection.promises import Promise, PromiseStatus
from app.domain.money import Money
from app.services.collection.ports import CountedPromise, PromiseFilter
from app.services.pagination import PageRequest


def promise_row(promise: Promise) -> dict[str, Any]:
    return {
        "id": promise.id,
        "interaction_id": promise.interaction_id,
        "customer_id": promise.customer_id,
        "invoice_id": promise.invoice_id,
        "amount": promise.amount.amount,
        "currency": promise.currency,
        "paid_amount": promise.paid_amount.amount,
        "promised_date": promise.promised_date,
        "made_on": promise.made_on,
        "status": promise.status.value,
        "kept_at": promise.kept_at,
        "broken_at": promise.broken_at,
        "version": promise.version,
        "created_at": promise.created_at,
        "updated_at": promise.updated_at,
    }


def promise_from_row(row: RowMapping) -> Promise:
    currency = row["currency"]
    return Promise(
        id=row["id"],
        interaction_id=row["interaction_id"],
        customer_id=row["customer_id"],
        invoice_id=row["invoice_id"],
        amount=Money.of(row["amount"], currency),
        paid_amount=Money.of(row["paid_amount"], currency),
        promised_date=row["promised_date"],
        made_on=row["made_on"],
        status=PromiseStatus(row["status"]),
        kept_at=row["kept_at"],
        broken_at=row["broken_at"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


# The unsettled promises a payment received on :received_on and allocated to :invoice_ids
# can count toward, locked in id order, each with what counts toward it: active allocations
# of the customer's payments in the currency (to the promised invoice, if any), received
# from the day the promise was made to its deadline (promised date + grace days).
_LOCK_COUNTABLE = text(
    f"""
    SELECT p.*, (
        SELECT coalesce(sum(a.amount), 0)
        FROM payment_allocations AS a JOIN invoices AS i ON i.id = a.invoice_id
        WHERE i.customer_id = p.customer_id AND a.currency = p.currency
          AND a.undone_at IS NULL
          AND (p.invoice_id IS NULL OR a.invoice_id = p.invoice_id)
          AND a.received_on >= p.made_on
          AND a.received_on <= p.promised_date + CAST(:grace AS integer)
    ) AS counted
    FROM promises AS p
    WHERE p.customer_id = :customer_id AND p.currency = :currency
      AND p.{UNSETTLED_PROMISE_SQL}
      AND p.made_on <= :received_on
      AND p.promised_date + CAST(:grace AS integer) >= :received_on
      AND (p.invoice_id IS NULL OR p.invoice_id = ANY(CAST(:invoice_ids AS uuid[])))
    ORDER BY p.id
    FOR NO KEY UPDATE OF p
    """
)

_SAVE_EVALUATIONS = text(
    """
    UPDATE promises AS p
    SET status = d.status, paid_amount = d.paid_amount, kept_at = d.kept_at,
        broken_at = d.broken_at, version = d.version, updated_at = d.updated_at
    FROM unnest(
        CAST(:ids AS uuid[]), CAST(:statuses AS text[]), CAST(:paid AS numeric[]),
        CAST(:kept AS timestamptz[]), CAST(:broken AS timestamptz[]),
        CAST(:versions AS integer[]), CAST(:updated AS timestamptz[])
    ) AS d(id, status, paid_amount, kept_at, broken_at, version, updated_at)
    WHERE p.id = d.id
    """
)


class SqlPromiseRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, promise: Promise) -> None:
        await self.conn.execute(insert(table).values(promise_row(promise)))

    async def get(self, promise_id: UUID) -> Promise | None:
        found = (
            (await self.conn.execute(select(table).where(table.c.id == promise_id)))
            .mappings()
            .first()
        )
        return promise_from_row(found) if found else None

    async def get_many(self, promise_ids: Collection[UUID]) -> dict[UUID, Promise]:
        if not promise_ids:
            return {}
        query = select(table).where(table.c.id.in_(list(promise_ids)))
        rows = (await self.conn.execute(query)).mappings()
        return {r["id"]: promise_from_row(r) for r in rows}

    async def lock_countable(
        self,
        customer_id: UUID,
        currency: str,
        received_on: date,
        invoice_ids: Collection[UUID],
        grace_days: int,
    ) -> Sequence[CountedPromise]:
        params = {
            "customer_id": customer_id,
            "currency": currency,
            "received_on": received_on,
            "invoice_ids": list(invoice_ids),
            "grace": grace_days,
        }
        rows = (await self.conn.execute(_LOCK_COUNTABLE, params)).mappings()
        return [CountedPromise(promise_from_row(r), Money.of(r["counted"], currency)) for r in rows]

    async def save_evaluations(self, promises: Sequence[Promise]) -> None:
        if not promises:
            return
        params = {
            "ids": [p.id for p in promises],
            "statuses": [p.status.value for p in promises],
            "paid": [p.paid_amount.amount for p in promises],
            "kept": [p.kept_at for p in promises],
            "broken": [p.broken_at for p in promises],
            "versions": [p.version for p in promises],
            "updated": [p.updated_at for p in promises],
        }
        await self.conn.execute(_SAVE_EVALUATIONS, params)

    async def lock_past_deadline(
        self, today: date, grace_days: int, limit: int
    ) -> Sequence[Promise]:
        query = (
            select(table)
            .where(
                table.c.status == PromiseStatus.OPEN.value,
                table.c.promised_date < today - timedelta(days=grace_days),
            )
            .order_by(table.c.promised_date, table.c.id)
            .limit(limit)
            .with_for_update(key_share=True, skip_locked=True)
        )
        return [promise_from_row(r) for r in (await self.conn.execute(query)).mappings()]

    async def broken_count(self, customer_id: UUID, since: date) -> int:
        query = select(func.count()).where(
            table.c.customer_id == customer_id,
            table.c.status == PromiseStatus.BROKEN.value,
            table.c.promised_date >= since,
        )
        return int((await self.conn.execute(query)).scalar_one())


class SqlPromiseQueries:
    """The read side of promises: lists (tested on PostgreSQL, not faked)."""

    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def list(self, filters: PromiseFilter, page: PageRequest) -> Sequence[Promise]:
        query = select(table).order_by(table.c.id).limit(page.fetch)
        if filters.customer_id is not None:
            query = query.where(table.c.customer_id == filters.customer_id)
        if filters.invoice_id is not None:
            query = query.where(table.c.invoice_id == filters.invoice_id)
        if filters.status is not None:
            query = query.where(table.c.status == filters.status.value)
        if filters.due_before is not None:
            query = query.where(table.c.promised_date < filters.due_before)
        if page.after:
            query = query.where(table.c.id > page.after_uuid())
        return [promise_from_row(r) for r in (await self.conn.execute(query)).mappings()]

"""Customer statements in PostgreSQL: opening balances, the movements of a period read
through a server-side cursor (a statement of any length streams, a few hundred rows at a
time), and the closing balance's ageing.

The transaction is REPEATABLE READ and read only, so the opening balance, the movements
and the ageing are one snapshot: nothing committed meanwhile can break opening + debits −
credits = closing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import and_, func, select, text

from app.adapters.db.collection.paper_trail import BOOK_BALANCE_SQL
from app.adapters.db.connection import PooledConnection
from app.adapters.db.reporting.aging import bucket_condition
from app.adapters.db.reporting.asof import exact, receivable_terms
from app.domain.money import Money
from app.domain.reporting.reports import BUCKET_DAYS
from app.domain.reporting.statements import LineKind, Movement
from app.services.reporting.ports import AsOf

FETCH = 500  # rows per round trip of the cursor

_REF = "COALESCE({t}.external_id, {t}.id::text)"
_KEPT = "(a.undone_at IS NULL OR a.undone_reason = 'reversed')"  # what a payment paid then

# $1 customer, $2 currency, $3 first day, $4 last day, $5 time zone.
MOVEMENTS_SQL = f"""
SELECT day, kind, ref, debit, credit FROM (
    SELECT i.issued_on AS day, 1 AS seq, 'invoice' AS kind, {_REF.format(t="i")} AS ref,
           i.amount AS debit, 0::numeric AS credit, i.id
    FROM invoices AS i
    WHERE i.customer_id = $1 AND i.currency = $2 AND i.issued_on BETWEEN $3 AND $4
    UNION ALL
    SELECT p.received_on, 2, 'allocation',
           {_REF.format(t="p")} || ' → ' || {_REF.format(t="i")}, 0, a.amount, a.id
    FROM payments AS p
    JOIN payment_allocations AS a ON a.payment_id = p.id
    JOIN invoices AS i ON i.id = a.invoice_id
    WHERE p.customer_id = $1 AND p.currency = $2 AND p.received_on BETWEEN $3 AND $4 AND {_KEPT}
    UNION ALL
    SELECT p.received_on, 3, 'unallocated', {_REF.format(t="p")}, 0, r.rest, p.id
    FROM payments AS p,
         LATERAL (SELECT p.amount - COALESCE(sum(a.amount), 0) AS rest
                  FROM payment_allocations AS a WHERE a.payment_id = p.id AND {_KEPT}) AS r
    WHERE p.customer_id = $1 AND p.currency = $2 AND p.received_on BETWEEN $3 AND $4
      AND r.rest > 0
    UNION ALL
    SELECT i.written_off_on, 4, 'write_off', {_REF.format(t="i")}, 0, i.amount - i.amount_paid, i.id
    FROM invoices AS i
    WHERE i.customer_id = $1 AND i.currency = $2 AND i.written_off_on BETWEEN $3 AND $4
      AND i.amount > i.amount_paid AND i.voided_on IS NULL
    UNION ALL
    SELECT i.voided_on, 5, 'void', {_REF.format(t="i")}, 0, i.amount, i.id
    FROM invoices AS i
    WHERE i.customer_id = $1 AND i.currency = $2 AND i.voided_on BETWEEN $3 AND $4
    UNION ALL
    SELECT (p.reversed_at AT TIME ZONE $5)::date, 6, 'reversal', {_REF.format(t="p")},
           p.amount, 0, p.id
    FROM payments AS p
    WHERE p.customer_id = $1 AND p.currency = $2 AND p.reversed_at IS NOT NULL
      AND (p.reversed_at AT TIME ZONE $5)::date BETWEEN $3 AND $4
) AS m
ORDER BY day, seq, ref, id
"""

_CURRENCIES = text(
    """
    SELECT currency FROM invoices WHERE customer_id = :customer_id AND issued_on <= :day
    UNION SELECT currency FROM payments WHERE customer_id = :customer_id AND received_on <= :day
    ORDER BY 1
    """
)


class SqlStatementQueries:
    def __init__(self, conn: PooledConnection) -> None:
        self.conn = conn

    async def snapshot(self) -> None:
        """One snapshot for the whole statement; call first in the transaction."""
        await self.conn.driver.execute(
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL jit = off"
        )

    async def currencies(self, customer_id: UUID, last_day: date) -> list[str]:
        rows = await self.conn.execute(_CURRENCIES, {"customer_id": customer_id, "day": last_day})
        return [r[0] for r in rows]

    async def balance(self, customer_id: UUID, currency: str, day: date, zone: str) -> Money:
        params = {"customer_id": customer_id, "currency": currency, "day": day, "zone": zone}
        value = (await self.conn.execute(text(BOOK_BALANCE_SQL), params)).scalar_one()
        return exact(value, currency)

    async def movements(
        self, customer_id: UUID, currency: str, first: date, last: date, zone: str
    ) -> AsyncIterator[Movement]:
        cursor = self.conn.driver.cursor(
            MOVEMENTS_SQL, customer_id, currency, first, last, zone, prefetch=FETCH
        )
        async for row in cursor:
            yield Movement(
                row["day"],
                LineKind(row["kind"]),
                row["ref"],
                currency,
                Decimal(row["debit"]),
                Decimal(row["credit"]),
            )

    async def ageing(
        self, customer_id: UUID, currency: str, day: date, day_end: datetime
    ) -> dict[str, Money]:
        """The customer's invoices outstanding at the end of ``day`` per ageing bucket."""
        terms = receivable_terms(AsOf(day, day_end), currency)
        sums: list[Any] = [
            func.sum(terms.c.amount).filter(bucket_condition(terms.c.due_date, day, low, high))
            for _, low, high in BUCKET_DAYS
        ]
        query = select(*sums).where(and_(terms.c.customer_id == customer_id))
        row = (await self.conn.execute(query)).one()
        return {
            bucket.value: exact(value, currency)
            for (bucket, _, _), value in zip(BUCKET_DAYS, row, strict=True)
        }

"""Limitation periods in PostgreSQL: interruptions, open receivables, the check's queues, and
the book balance a confirmation carries.

Interruptions are never copied: they are read from the records that make them (demands,
promises, allocations, confirmed confirmations, legal actions), so the history cannot
drift from its sources and a customer-level demand costs one row, not one per receivable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import RowMapping

from app.adapters.db.connection import Executor
from app.domain.collection.interactions import DEMAND_CHANNELS
from app.domain.collection.limitation import Interruption, InterruptionKind, ReceivableKind
from app.domain.money import Money
from app.services.collection.paper_trail_ports import LimitationChecked, Receivable

OPEN_INVOICE = "i.status IN ('open', 'partially_paid')"
# The channels on which a demand interrupts (the domain's ``Interaction.interrupts_limitation``).
_DEMAND_CHANNELS = ", ".join(f"'{c.value}'" for c in sorted(DEMAND_CHANNELS))


def interruptions_sql(receivable: str, customer: str, currency: str) -> str:
    """Every interruption reaching a receivable, as rows ``(on, kind, ref)``; the arguments
    are SQL for its invoice id (NULL for an installment), customer and currency."""
    return f"""
        SELECT (x.occurred_at AT TIME ZONE :zone)::date AS on_day, 'demand' AS kind, x.id AS ref
        FROM interactions AS x
        WHERE x.demand AND x.customer_id = {customer}
          AND (x.invoice_id IS NULL OR x.invoice_id = {receivable})
          AND x.channel IN ({_DEMAND_CHANNELS}) AND jsonb_array_length(x.evidence) > 0
        UNION ALL
        SELECT p.made_on, 'promise', p.id FROM promises AS p
        WHERE p.customer_id = {customer}
          AND (p.invoice_id = {receivable} OR (p.invoice_id IS NULL AND p.currency = {currency}))
        UNION ALL
        SELECT a.received_on, 'payment', a.payment_id FROM payment_allocations AS a
        WHERE a.invoice_id = {receivable} AND a.undone_reason IS DISTINCT FROM 'reversed'
        UNION ALL
        SELECT b.confirmed_on, 'confirmation', b.id FROM balance_confirmations AS b
        WHERE b.customer_id = {customer} AND b.currency = {currency} AND b.status = 'confirmed'
        UNION ALL
        SELECT l.filed_on, 'legal_action', l.id FROM legal_actions AS l
        WHERE l.invoice_id = {receivable}
    """


def _latest(receivable: str, customer: str, currency: str, due: str) -> str:
    return f"""
        LEFT JOIN LATERAL (
            SELECT u.on_day, u.kind, u.ref
            FROM ({interruptions_sql(receivable, customer, currency)}) AS u
            WHERE u.on_day > {due}
            ORDER BY u.on_day DESC, u.kind, u.ref LIMIT 1
        ) AS li ON true
    """


_INVOICE_COLUMNS = """
    'invoice' AS receivable_kind, i.id, i.customer_id, c.name AS customer_name,
    COALESCE(i.external_id, i.id::text) AS ref, i.due_date, i.outstanding AS amount,
    i.currency, li.on_day, li.kind, li.ref AS interruption_ref
"""

_INVOICES = f"""
    SELECT {_INVOICE_COLUMNS}, i.contract_id
    FROM invoices AS i JOIN customers AS c ON c.id = i.customer_id
    {_latest("i.id", "i.customer_id", "i.currency", "i.due_date")}
    WHERE {OPEN_INVOICE}
"""

# Installments no (non-void) invoice covers yet: only customer-level interruptions reach them.
_INSTALLMENTS = f"""
    SELECT 'installment', s.id, k.customer_id, c.name, s.name, s.due_date, s.amount, s.currency,
           li.on_day, li.kind, li.ref, s.contract_id
    FROM installments AS s
    JOIN contracts AS k ON k.id = s.contract_id
    JOIN customers AS c ON c.id = k.customer_id
    {_latest("NULL::uuid", "k.customer_id", "s.currency", "s.due_date")}
    WHERE s.removed_at IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM invoices AS v WHERE v.installment_id = s.id AND v.status <> 'void'
      )
"""

_TO_CHECK = text(
    f"""
    WITH todo AS (
        SELECT i.id FROM invoices AS i
        WHERE {OPEN_INVOICE}
          AND ((i.limitation_check_on IS NULL AND i.due_date <= :latest_due)
               OR i.limitation_check_on <= :today)
        LIMIT :limit
        FOR NO KEY UPDATE SKIP LOCKED
    )
    SELECT {_INVOICE_COLUMNS}
    FROM todo JOIN invoices AS i ON i.id = todo.id JOIN customers AS c ON c.id = i.customer_id
    {_latest("i.id", "i.customer_id", "i.currency", "i.due_date")}
    """
)

_INSTALLMENTS_TO_CHECK = text(
    f"""
    WITH todo AS (
        SELECT s.id FROM installments AS s
        WHERE s.removed_at IS NULL
          AND ((s.limitation_due_for IS DISTINCT FROM s.due_date AND s.due_date <= :latest_due)
               OR (s.limitation_due_for = s.due_date AND s.limitation_check_on <= :today))
        LIMIT :limit
        FOR NO KEY UPDATE SKIP LOCKED
    )
    SELECT 'installment' AS receivable_kind, s.id, k.customer_id, c.name AS customer_name,
           s.name AS ref, s.due_date, s.amount, s.currency, s.contract_id,
           EXISTS (
               SELECT 1 FROM invoices AS v WHERE v.installment_id = s.id AND v.status <> 'void'
           ) AS invoiced,
           li.on_day, li.kind, li.ref AS interruption_ref
    FROM todo JOIN installments AS s ON s.id = todo.id
    JOIN contracts AS k ON k.id = s.contract_id JOIN customers AS c ON c.id = k.customer_id
    {_latest("NULL::uuid", "k.customer_id", "s.currency", "s.due_date")}
    """
)

_FINISH_INVOICES = text(
    """
    UPDATE invoices AS i SET limitation_check_on = d.next
    FROM unnest(CAST(:ids AS uuid[]), CAST(:next AS date[])) AS d(id, next)
    WHERE i.id = d.id
    """
)

_FINISH_INSTALLMENTS = text(
    """
    UPDATE installments AS s SET limitation_check_on = d.next, limitation_due_for = d.due
    FROM unnest(CAST(:ids AS uuid[]), CAST(:next AS date[]), CAST(:due AS date[]))
        AS d(id, next, due)
    WHERE s.id = d.id
    """
)

_HISTORY = text(
    f"""
    SELECT u.on_day, u.kind, u.ref
    FROM invoices AS i, LATERAL ({interruptions_sql("i.id", "i.customer_id", "i.currency")}) AS u
    WHERE i.id = :invoice_id
    ORDER BY u.on_day, u.kind, u.ref
    """
)

# The net position at the end of a day (the statement's balance, ``app/adapters/db/reporting``).
BOOK_BALANCE_SQL = """
    SELECT
      (SELECT COALESCE(sum(amount), 0) FROM invoices
       WHERE customer_id = :customer_id AND currency = :currency AND issued_on <= :day
         AND (voided_on IS NULL OR voided_on > :day))
    - (SELECT COALESCE(sum(amount - amount_paid), 0) FROM invoices
       WHERE customer_id = :customer_id AND currency = :currency AND written_off_on <= :day
         AND (voided_on IS NULL OR voided_on > :day))
    - (SELECT COALESCE(sum(amount), 0) FROM payments
       WHERE customer_id = :customer_id AND currency = :currency AND received_on <= :day
         AND (reversed_at IS NULL OR (reversed_at AT TIME ZONE :zone)::date > :day))
"""

_CURRENCIES = text(
    """
    SELECT currency FROM invoices WHERE customer_id = :customer_id
    UNION SELECT currency FROM payments WHERE customer_id = :customer_id
    """
)


def _interruption(row: RowMapping) -> Interruption | None:
    if row["on_day"] is None:
        return None
    return Interruption(row["on_day"], InterruptionKind(row["kind"]), row["interruption_ref"])


def receivable_from_row(row: RowMapping) -> Receivable:
    return Receivable(
        kind=ReceivableKind(row["receivable_kind"]),
        id=row["id"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        ref=row["ref"],
        due_date=row["due_date"],
        outstanding=Money.of(row["amount"], row["currency"]),
        last_interruption=_interruption(row),
        contract_id=row.get("contract_id"),
        invoiced=bool(row.get("invoiced", False)),
    )


class SqlLimitationQueries:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def book_balance(self, customer_id: UUID, currency: str, day: date, zone: str) -> Money:
        params = {"customer_id": customer_id, "currency": currency, "day": day, "zone": zone}
        value = (await self.conn.execute(text(BOOK_BALANCE_SQL), params)).scalar_one()
        return Money.of(value, currency)

    async def currencies_of(self, customer_id: UUID) -> set[str]:
        rows = await self.conn.execute(_CURRENCIES, {"customer_id": customer_id})
        return {r[0] for r in rows}

    async def history(self, invoice_id: UUID, zone: str) -> Sequence[Interruption]:
        rows = await self.conn.execute(_HISTORY, {"invoice_id": invoice_id, "zone": zone})
        return [Interruption(r.on_day, InterruptionKind(r.kind), r.ref) for r in rows]

    async def receivables(
        self,
        zone: str,
        *,
        customer_id: UUID | None = None,
        invoice_id: UUID | None = None,
        due_by: date | None = None,
    ) -> Sequence[Receivable]:
        params: dict[str, Any] = {"zone": zone}
        invoices_sql, installments_sql = _INVOICES, _INSTALLMENTS
        if due_by is not None:
            invoices_sql += " AND i.due_date <= :due_by"
            installments_sql += " AND s.due_date <= :due_by"
            params["due_by"] = due_by
        if customer_id is not None:
            invoices_sql += " AND i.customer_id = :customer_id"
            installments_sql += " AND k.customer_id = :customer_id"
            params["customer_id"] = customer_id
        if invoice_id is not None:
            statement = f"{invoices_sql} AND i.id = :invoice_id"
            params["invoice_id"] = invoice_id
        else:
            statement = f"{invoices_sql} UNION ALL {installments_sql}"
        rows = (await self.conn.execute(text(statement), params)).mappings()
        return [receivable_from_row(r) for r in rows]

    async def lock_invoices_to_check(
        self, latest_due: date, today: date, limit: int, zone: str
    ) -> Sequence[Receivable]:
        params = {"latest_due": latest_due, "today": today, "limit": limit, "zone": zone}
        rows = (await self.conn.execute(_TO_CHECK, params)).mappings()
        return [receivable_from_row(r) for r in rows]

    async def lock_installments_to_check(
        self, latest_due: date, today: date, limit: int, zone: str
    ) -> Sequence[Receivable]:
        params = {"latest_due": latest_due, "today": today, "limit": limit, "zone": zone}
        rows = (await self.conn.execute(_INSTALLMENTS_TO_CHECK, params)).mappings()
        return [receivable_from_row(r) for r in rows]

    async def finish_checks(self, checked: Sequence[LimitationChecked]) -> None:
        bills = [c for c in checked if c.kind is ReceivableKind.INVOICE]
        plans = [c for c in checked if c.kind is ReceivableKind.INSTALLMENT]
        if bills:
            params = {"ids": [c.id for c in bills], "next": [c.next_check_on for c in bills]}
            await self.conn.execute(_FINISH_INVOICES, params)
        if plans:
            await self.conn.execute(
                _FINISH_INSTALLMENTS,
                {
                    "ids": [c.id for c in plans],
                    "next": [c.next_check_on for c in plans],
                    "due": [c.due_date for c in plans],
                },
            )

    async def check_again(self, *, invoice_id: UUID) -> None:
        await self.conn.execute(
            text("UPDATE invoices SET limitation_check_on = NULL WHERE id = :id"),
            {"id": invoice_id},
        )

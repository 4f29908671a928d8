"""Invoices in PostgreSQL, the write side: rows, reads, locks and writes. The read side
(lists, and the totals derived from invoices: ledgers, balances, credit exposure) is
``invoice_queries.py``."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, insert, select, text
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError

from app.adapters.db.connection import Executor
from app.adapters.db.errors import translate_integrity_error
from app.adapters.db.metadata import column_list, columns_of
from app.adapters.db.receivables.models import contracts, invoices
from app.adapters.db.receivables.statuses import PAYABLE, PAYABLE_SQL
from app.domain.errors import Conflict, DuplicateExternalId, StaleVersion, UnknownReference
from app.domain.money import Money
from app.domain.receivables.invoices import Hold, Invoice
from app.services.receivables.ports import LockedPayers, PayerGroup


def past_due(today: date) -> ColumnElement[bool]:
    return and_(invoices.c.status.in_(PAYABLE), invoices.c.due_date < today)


def invoice_row(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.id,
        "customer_id": invoice.customer_id,
        "contract_id": invoice.contract_id,
        "installment_id": invoice.installment_id,
        "external_id": invoice.external_id,
        "amount": invoice.amount.amount,
        "currency": invoice.currency,
        "amount_paid": invoice.amount_paid.amount,
        "issued_on": invoice.issued_on,
        "due_date": invoice.due_date,
        "disputed_at": invoice.disputed_at,
        "dispute_reason": invoice.dispute_reason,
        "hold_reason": invoice.hold.reason if invoice.hold else None,
        "hold_until": invoice.hold.until if invoice.hold else None,
        "voided_at": invoice.voided_at,
        "voided_on": invoice.voided_on,
        "void_reason": invoice.void_reason,
        "written_off_at": invoice.written_off_at,
        "written_off_on": invoice.written_off_on,
        "write_off_reason": invoice.write_off_reason,
        "version": invoice.version,
        "created_at": invoice.created_at,
        "updated_at": invoice.updated_at,
    }


def invoice_from_row(row: Any) -> Invoice:
    """From a SQLAlchemy row mapping or an asyncpg record (both read by column name)."""
    currency = row["currency"]
    return Invoice(
        id=row["id"],
        customer_id=row["customer_id"],
        contract_id=row["contract_id"],
        installment_id=row["installment_id"],
        external_id=row["external_id"],
        amount=Money.of(row["amount"], currency),
        amount_paid=Money.of(row["amount_paid"], currency),
        issued_on=row["issued_on"],
        due_date=row["due_date"],
        disputed_at=row["disputed_at"],
        dispute_reason=row["dispute_reason"],
        hold=(
            Hold(reason=row["hold_reason"], until=row["hold_until"])
            if row["hold_until"] is not None
            else None
        ),
        voided_at=row["voided_at"],
        voided_on=row["voided_on"],
        void_reason=row["void_reason"],
        written_off_at=row["written_off_at"],
        written_off_on=row["written_off_on"],
        write_off_reason=row["write_off_reason"],
        late_fee_rate=row["late_fee_rate"],
        dunning_level=row["dunning_level"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def select_invoices(lock: bool = False) -> Select[Any]:
    """Invoices with their contract's late fee rate; ``lock`` locks the invoice rows only."""
    query = select(invoices, contracts.c.late_fee_rate).select_from(
        invoices.outerjoin(contracts, invoices.c.contract_id == contracts.c.id)
    )
    if lock:
        query = query.with_for_update(key_share=True, of=invoices)
    return query


def _translate(exc: IntegrityError, invoice: Invoice | None = None) -> Exception:
    mapping = {
        "uq_invoices_external_id": lambda: DuplicateExternalId(
            "invoice", invoice.external_id if invoice and invoice.external_id else ""
        ),
        "fk_invoices_customer_id_customers": lambda: UnknownReference(
            "customer", invoice.customer_id if invoice else "", ("customer_id",)
        ),
        # The last line of defence behind the row locks: never reached when they work.
        "ck_invoices_amount_paid": lambda: Conflict(
            "the allocation would take an invoice past its amount"
        ),
    }
    return translate_integrity_error(exc, mapping) or exc


# The open invoices automatic allocation can reach (see lock_allocation_candidates): named
# ones, and the due-date queue while the outstanding ahead of each is below the amount.
# Locked in id order, like every multi-row lock here.
_LOCK_REACHABLE = text(
    f"""
    WITH open_invoices AS (
        SELECT id, outstanding, due_date, issued_on, external_id, disputed_at
        FROM invoices
        WHERE customer_id = :customer_id AND currency = :currency
          AND {PAYABLE_SQL}
    ), queue AS (
        SELECT id, sum(outstanding) OVER (ORDER BY due_date, issued_on, id)
                   - outstanding AS ahead
        FROM open_invoices WHERE disputed_at IS NULL
    ), reachable AS (
        SELECT id FROM open_invoices
        WHERE id = ANY(CAST(:pay_first AS uuid[]))
           OR (external_id <> '' AND strpos(:reference, lower(external_id)) > 0)
        UNION
        SELECT id FROM queue WHERE ahead < :amount
    )
    SELECT i.*, c.late_fee_rate
    FROM invoices AS i LEFT JOIN contracts AS c ON c.id = i.contract_id
    WHERE i.id IN (SELECT id FROM reachable) AND i.{PAYABLE_SQL}
    ORDER BY i.id
    FOR NO KEY UPDATE OF i
    """
)

# The payers of a batch of payments (customers, by external id), locked in id order: the
# first kind in the global lock order. A statement of its own, so that the next one, which
# picks the invoices, takes its snapshot after these locks are held: a payment that waited
# for another payer's lock sees what that payment allocated. Each payer comes with whether
# it has an open promise, so the payment rules know before they look any further.
_LOCK_PAYERS = """
SELECT c.id, c.external_id,
       EXISTS (SELECT 1 FROM promises AS p WHERE p.customer_id = c.id AND p.status = 'open')
           AS promised
FROM customers AS c
WHERE c.external_id = ANY($1::text[])
ORDER BY c.id FOR NO KEY UPDATE OF c
"""

# What invoice_from_row reads of an invoice: all but the scans' bookkeeping and the
# generated columns.
_SCANS = ("next_scan_on", "due_soon_scanned_for", "limitation_check_on")
_INVOICE_SELECT = column_list(
    columns_of(invoices, without=(*_SCANS, "status", "outstanding")), alias="i"
)


def _reachable(only_customer: str = "TRUE") -> str:
    """Per customer and currency (the ``groups`` CTE), the open invoices _LOCK_REACHABLE
    would reach for the group's payments' total: the named ones and the due-date queue's
    prefix whose outstanding ahead is below the total. ``only_customer`` narrows the
    invoices to one customer up front, so that a plan made without the parameters' values
    still looks them up by customer rather than reading every invoice."""
    return f"""
open_invoices AS MATERIALIZED (
    SELECT i.id, i.customer_id, i.currency, i.outstanding, i.due_date, i.issued_on,
           i.external_id, i.disputed_at, i.version, g.amount, g.reference
    FROM groups AS g JOIN invoices AS i
      ON i.customer_id = g.customer_id AND i.currency = g.currency
     AND i.{PAYABLE_SQL}
    WHERE {only_customer}
), queue AS (
    SELECT id, amount, sum(outstanding) OVER (
               PARTITION BY customer_id, currency ORDER BY due_date, issued_on, id
           ) - outstanding AS ahead
    FROM open_invoices WHERE disputed_at IS NULL
), reachable AS (
    SELECT id FROM open_invoices
    WHERE id = ANY($5::uuid[])
       OR (external_id <> '' AND strpos(reference, lower(external_id)) > 0)
    UNION
    SELECT id FROM queue WHERE ahead < amount
)"""


# The reachable invoices of groups whose payers are locked already, locked in id order.
_LOCK_REACHABLE_FOR_GROUPS = f"""
WITH groups AS MATERIALIZED (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::numeric[], $4::text[])
         AS g(customer_id, currency, amount, reference)
), {_reachable()}
SELECT {_INVOICE_SELECT}, c.late_fee_rate
FROM invoices AS i LEFT JOIN contracts AS c ON c.id = i.contract_id
WHERE i.id IN (SELECT id FROM reachable) AND i.{PAYABLE_SQL}
ORDER BY i.id
FOR NO KEY UPDATE OF i
"""

# One payer ($1) and its reachable invoices in one statement (one round trip fewer), for
# when the payer's row is free: SKIP LOCKED, so the statement never waits for the payer,
# and each invoice comes with the version its snapshot saw (``seen_version``) beside the
# one its lock holds. The answer is what _LOCK_PAYERS then _LOCK_REACHABLE_FOR_GROUPS
# would give only if the payer was locked and no reachable invoice changed between the
# snapshot and the locks; otherwise the caller does it in two statements after all.
_LOCK_ONE_PAYER_WITH_CANDIDATES = f"""
WITH payer AS MATERIALIZED (
    SELECT c.id,
           EXISTS (SELECT 1 FROM promises AS p WHERE p.customer_id = c.id AND p.status = 'open')
               AS promised
    FROM customers AS c
    WHERE c.external_id = $1
    FOR NO KEY UPDATE OF c SKIP LOCKED
), groups AS MATERIALIZED (
    SELECT payer.id AS customer_id, g.currency, g.amount, g.reference
    FROM payer, unnest($2::text[], $3::numeric[], $4::text[]) AS g(currency, amount, reference)
), {_reachable("i.customer_id = (SELECT id FROM payer)")}, locked AS MATERIALIZED (
    SELECT {_INVOICE_SELECT}, c.late_fee_rate, o.version AS seen_version
    FROM invoices AS i
    JOIN open_invoices AS o ON o.id = i.id
    LEFT JOIN contracts AS c ON c.id = i.contract_id
    WHERE i.id IN (SELECT id FROM reachable) AND i.{PAYABLE_SQL}
    ORDER BY i.id
    FOR NO KEY UPDATE OF i
)
SELECT payer.id AS payer_id, payer.promised,
       EXISTS (SELECT 1 FROM customers WHERE external_id = $1) AS known,
       (SELECT count(*) FROM reachable) AS reachable,
       locked.*
FROM (VALUES (1)) AS one (n)
LEFT JOIN payer ON true
LEFT JOIN locked ON true
ORDER BY locked.id
"""

_ADD_PAID = text(
    "UPDATE invoices AS i SET amount_paid = i.amount_paid + d.amount, "
    "version = i.version + 1, updated_at = :at "
    "FROM unnest(CAST(:ids AS uuid[]), CAST(:amounts AS numeric[])) AS d(id, amount) "
    "WHERE i.id = d.id"
)


class SqlInvoiceRepository:
    def __init__(self, conn: Executor, driver: Any = None) -> None:
        self.conn = conn
        self.driver = driver  # the asyncpg connection, for the hot statements

    async def add(self, invoice: Invoice) -> None:
        try:
            await self.conn.execute(insert(invoices).values(invoice_row(invoice)))
        except IntegrityError as exc:
            raise _translate(exc, invoice) from exc

    async def add_many(self, items: Sequence[Invoice]) -> None:
        if not items:
            return
        try:
            await self.conn.execute(insert(invoices), [invoice_row(i) for i in items])
        except IntegrityError as exc:
            raise _translate(exc, items[0]) from exc

    async def get(self, invoice_id: UUID, *, lock: bool = False) -> Invoice | None:
        query = select_invoices(lock).where(invoices.c.id == invoice_id)
        row = (await self.conn.execute(query)).mappings().first()
        return invoice_from_row(row) if row else None

    async def get_many(
        self, invoice_ids: Collection[UUID], *, lock: bool = False
    ) -> Sequence[Invoice]:
        if not invoice_ids:
            return []
        query = (
            select_invoices(lock)
            .where(invoices.c.id.in_(list(invoice_ids)))
            .order_by(invoices.c.id)
        )
        return [invoice_from_row(r) for r in (await self.conn.execute(query)).mappings()]

    async def lock_allocation_candidates(
        self,
        customer_id: UUID,
        available: Money,
        reference: str | None,
        pay_first: Collection[UUID],
    ) -> Sequence[Invoice]:
        params = {
            "customer_id": customer_id,
            "currency": available.currency,
            "amount": available.amount,
            "reference": (reference or "").lower(),
            "pay_first": list(pay_first),
        }
        rows = (await self.conn.execute(_LOCK_REACHABLE, params)).mappings()
        return [invoice_from_row(r) for r in rows]

    async def lock_payers_and_candidates(self, groups: Sequence[PayerGroup]) -> LockedPayers:
        if not groups:
            return LockedPayers({}, frozenset(), [])
        if len({g.customer_external_id for g in groups}) == 1:
            at_once = await self._lock_one_payer_with_candidates(groups)
            if at_once is not None:
                return at_once
        return await self._lock_payers_then_candidates(groups)

    async def _lock_one_payer_with_candidates(
        self, groups: Sequence[PayerGroup]
    ) -> LockedPayers | None:
        """One round trip for the common case; None when the payer's row was taken or a
        reachable invoice changed after the statement's snapshot (then two statements)."""
        external_id = groups[0].customer_external_id
        rows = await self.driver.fetch(
            _LOCK_ONE_PAYER_WITH_CANDIDATES,
            external_id,
            [g.available.currency for g in groups],
            [g.available.amount for g in groups],
            [g.reference.lower() for g in groups],
            sorted({i for g in groups for i in g.pay_first}),
        )
        head = rows[0]
        payer_id = head["payer_id"]
        if payer_id is None:
            return None if head["known"] else LockedPayers({}, frozenset(), [])
        locked = [r for r in rows if r["id"] is not None]
        if len(locked) != head["reachable"] or any(
            r["version"] != r["seen_version"] for r in locked
        ):
            return None
        promised = frozenset({payer_id}) if head["promised"] else frozenset()
        return LockedPayers(
            {external_id: payer_id}, promised, [invoice_from_row(r) for r in locked]
        )

    async def _lock_payers_then_candidates(self, groups: Sequence[PayerGroup]) -> LockedPayers:
        locked = await self.driver.fetch(_LOCK_PAYERS, [g.customer_external_id for g in groups])
        payers: dict[str, UUID] = {r["external_id"]: r["id"] for r in locked}
        promised = frozenset(r["id"] for r in locked if r["promised"])
        paying = [g for g in groups if g.customer_external_id in payers]
        if not paying:
            return LockedPayers(payers, promised, [])
        rows = await self.driver.fetch(
            _LOCK_REACHABLE_FOR_GROUPS,
            [payers[g.customer_external_id] for g in paying],
            [g.available.currency for g in paying],
            [g.available.amount for g in paying],
            [g.reference.lower() for g in paying],
            sorted({i for g in paying for i in g.pay_first}),
        )
        return LockedPayers(payers, promised, [invoice_from_row(r) for r in rows])

    async def save(self, invoice: Invoice, expected_version: int) -> None:
        values = invoice_row(invoice)
        for fixed in ("id", "created_at", "customer_id", "contract_id", "installment_id"):
            del values[fixed]
        del values["amount_paid"]  # moves only with allocations (add_paid)
        # Any action may change what the overdue scan decides (a new due date, a hold, a
        # dispute): it looks at the invoice again on its next run.
        values["next_scan_on"] = None
        values["limitation_check_on"] = None  # so does the limitation check (a new due date)
        statement = (
            sql_update(invoices)
            .where(invoices.c.id == invoice.id, invoices.c.version == expected_version)
            .values(values)
            .returning(invoices.c.version)
        )
        try:
            written = (await self.conn.execute(statement)).scalar_one_or_none()
        except IntegrityError as exc:
            raise _translate(exc, invoice) from exc
        if written is None:
            raise StaleVersion("invoice", expected_version)

    async def rearm_overdue_scans(self, today: date) -> int:
        statement = (
            sql_update(invoices)
            .where(past_due(today), invoices.c.next_scan_on.is_not(None))
            .values(next_scan_on=None)
        )
        return int((await self.conn.execute(statement)).rowcount)

    async def add_paid(self, amounts: Mapping[UUID, Money], at: datetime) -> None:
        if not amounts:
            return
        params = {
            "ids": list(amounts),
            "amounts": [m.amount for m in amounts.values()],
            "at": at,
        }
        try:
            await self.conn.execute(_ADD_PAID, params)
        except IntegrityError as exc:
            raise _translate(exc) from exc

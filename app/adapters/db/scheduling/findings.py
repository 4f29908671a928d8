"""Findings in PostgreSQL, and what the daily overdue summary reads.

``record`` is ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: the primary key is the
finding's natural key, so only the findings new to the database come back, and the job
emits events for exactly those, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import select, text

from app.adapters.db.connection import Executor
from app.adapters.db.customers.customers import customer_from_row
from app.adapters.db.customers.models import customers
from app.adapters.db.receivables.invoices import invoice_from_row
from app.adapters.db.receivables.statuses import PAYABLE_SQL
from app.adapters.db.scheduling.models import STANDING_INSTALLMENT_FINDING_SQL
from app.adapters.db.scheduling.scans import installment_to_scan
from app.domain.customers.customers import Customer
from app.domain.findings import Finding, FindingKind
from app.domain.receivables.invoices import Invoice
from app.services.collection.ports import StandingInstallment
from app.services.jobs import NaturalKey

_RECORD = text(
    """
    INSERT INTO findings (kind, subject_id, key, customer_id, found_at)
    SELECT d.kind, d.subject_id, d.key, d.customer_id, :at
    FROM unnest(CAST(:kinds AS text[]), CAST(:subjects AS uuid[]), CAST(:keys AS text[]),
                CAST(:customers AS uuid[])) AS d(kind, subject_id, key, customer_id)
    ON CONFLICT DO NOTHING
    RETURNING kind, subject_id, key
    """
)

_CLEAR = text(
    """
    UPDATE findings AS f SET cleared_at = :at
    FROM unnest(CAST(:kinds AS text[]), CAST(:subjects AS uuid[]), CAST(:keys AS text[]))
        AS d(kind, subject_id, key)
    WHERE (f.kind, f.subject_id, f.key) = (d.kind, d.subject_id, d.key)
    """
)

_CUSTOMERS_WITH_OVERDUE = text(
    f"""
    SELECT customer_id FROM invoices
    WHERE {PAYABLE_SQL} AND due_date < CAST(:today AS date)
    UNION
    SELECT customer_id FROM findings WHERE {STANDING_INSTALLMENT_FINDING_SQL}
    ORDER BY 1
    """
)

_OVERDUE_INVOICES = text(
    f"""
    SELECT i.*, c.late_fee_rate
    FROM invoices AS i LEFT JOIN contracts AS c ON c.id = i.contract_id
    WHERE i.customer_id = ANY(CAST(:ids AS uuid[])) AND i.{PAYABLE_SQL}
      AND i.due_date < CAST(:today AS date)
    ORDER BY i.customer_id, i.due_date, i.id
    """
)

_STANDING_INSTALLMENTS = text(
    """
    SELECT f.kind AS finding_kind, f.subject_id AS finding_subject, f.key AS finding_key,
           f.customer_id AS finding_customer, q.*
    FROM findings AS f
    JOIN LATERAL (
        SELECT s.*, c.customer_id, c.name AS contract_name,
               coalesce(l.invoiced, 0) AS invoiced, coalesce(l.collected, 0) AS collected,
               coalesce(l.written_off, 0) AS written_off
        FROM installments AS s
        JOIN contracts AS c ON c.id = s.contract_id
        LEFT JOIN LATERAL (
            SELECT sum(v.amount) AS invoiced, sum(v.amount_paid) AS collected,
                   sum(CASE WHEN v.status = 'written_off' THEN v.amount - v.amount_paid
                       ELSE 0 END) AS written_off
            FROM invoices AS v WHERE v.installment_id = s.id AND v.status <> 'void'
        ) AS l ON true
        WHERE s.id = f.subject_id
    ) AS q ON true
    WHERE f.kind = 'installment.overdue' AND f.cleared_at IS NULL
      AND f.customer_id = ANY(CAST(:ids AS uuid[]))
    ORDER BY f.customer_id, q.due_date, q.id, f.key
    """
)


class SqlFindingRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def record(self, findings: Sequence[Finding], at: datetime) -> set[NaturalKey]:
        unique = list({f.natural_key: f for f in findings}.values())
        if not unique:
            return set()
        params = {
            "kinds": [f.kind.value for f in unique],
            "subjects": [f.subject_id for f in unique],
            "keys": [f.key for f in unique],
            "customers": [f.customer_id for f in unique],
            "at": at,
        }
        rows = (await self.conn.execute(_RECORD, params)).all()
        return {(kind, subject, key) for kind, subject, key in rows}

    async def clear(self, findings: Sequence[Finding], at: datetime) -> None:
        if not findings:
            return
        params = {
            "kinds": [f.kind.value for f in findings],
            "subjects": [f.subject_id for f in findings],
            "keys": [f.key for f in findings],
            "at": at,
        }
        await self.conn.execute(_CLEAR, params)

    async def customers_with_overdue(self, today: date) -> Sequence[UUID]:
        rows = await self.conn.execute(_CUSTOMERS_WITH_OVERDUE, {"today": today})
        return [r[0] for r in rows]

    async def overdue_invoices_of(
        self, customer_ids: Collection[UUID], today: date
    ) -> Sequence[Invoice]:
        if not customer_ids:
            return []
        params = {"ids": list(customer_ids), "today": today}
        rows = (await self.conn.execute(_OVERDUE_INVOICES, params)).mappings()
        return [invoice_from_row(r) for r in rows]

    async def standing_installments_of(
        self, customer_ids: Collection[UUID]
    ) -> Sequence[StandingInstallment]:
        if not customer_ids:
            return []
        params = {"ids": list(customer_ids)}
        rows = (await self.conn.execute(_STANDING_INSTALLMENTS, params)).mappings()
        return [
            StandingInstallment(
                finding=Finding(
                    FindingKind(r["finding_kind"]),
                    r["finding_subject"],
                    r["finding_key"],
                    r["finding_customer"],
                ),
                scan=installment_to_scan(r),
                removed=r["removed_at"] is not None,
            )
            for r in rows
        ]

    async def customers(self, customer_ids: Collection[UUID]) -> dict[UUID, Customer]:
        if not customer_ids:
            return {}
        query = select(customers).where(customers.c.id.in_(list(customer_ids)))
        rows = (await self.conn.execute(query)).mappings()
        return {r["id"]: customer_from_row(r) for r in rows}

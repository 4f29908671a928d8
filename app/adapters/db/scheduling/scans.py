"""The scheduler's scan queues in PostgreSQL.

Each queue is a partial index over the rows a scan still has to look at (migration 0007):
invoices by ``COALESCE(next_scan_on, due_date + 1)``, installments and tasks by due date
while their marker differs from it. A read is a range scan of that index up to today (or
the due-soon horizon), so its cost follows what is newly due, not the size of the table.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import RowMapping

from app.adapters.db.collection.targets import target_from_row
from app.adapters.db.collection.tasks import task_from_row
from app.adapters.db.connection import Executor
from app.adapters.db.receivables.contracts import installment_from_row
from app.adapters.db.receivables.invoices import invoice_from_row
from app.adapters.db.receivables.models import INVOICE_SCAN_KEY_SQL
from app.adapters.db.receivables.statuses import PAYABLE_SQL
from app.domain.collection.targets import Target
from app.domain.collection.tasks import Task
from app.domain.money import Money
from app.domain.receivables.installments import Ledger
from app.domain.receivables.invoices import Invoice
from app.services.collection.ports import InvoiceScanned, InvoiceToScan
from app.services.jobs import Scanned
from app.services.receivables.ports import InstallmentToScan

# Nothing more to look at until the invoice changes: beyond any range a scan reads.
NEVER = date.max

_INVOICES_TO_SCAN = text(
    f"""
    SELECT i.*, c.late_fee_rate, c.owner
    FROM invoices AS i LEFT JOIN contracts AS c ON c.id = i.contract_id
    WHERE i.{PAYABLE_SQL} AND {INVOICE_SCAN_KEY_SQL} <= CAST(:today AS date)
    ORDER BY {INVOICE_SCAN_KEY_SQL}, i.id
    LIMIT :limit
    FOR NO KEY UPDATE OF i SKIP LOCKED
    """
)

_FINISH_INVOICE_SCANS = text(
    """
    UPDATE invoices AS i
    SET next_scan_on = d.next_scan_on,
        dunning_level = GREATEST(i.dunning_level, d.level),
        version = i.version + CASE WHEN d.level > i.dunning_level THEN 1 ELSE 0 END,
        updated_at = CASE WHEN d.level > i.dunning_level THEN :at ELSE i.updated_at END
    FROM unnest(CAST(:ids AS uuid[]), CAST(:next AS date[]), CAST(:levels AS smallint[]))
        AS d(id, next_scan_on, level)
    WHERE i.id = d.id
    """
)

# Live installments with the totals of their (non-void) invoices, for their figures.
_INSTALLMENTS = """
    SELECT s.*, c.customer_id, c.name AS contract_name,
           coalesce(l.invoiced, 0) AS invoiced, coalesce(l.collected, 0) AS collected,
           coalesce(l.written_off, 0) AS written_off
    FROM installments AS s
    JOIN contracts AS c ON c.id = s.contract_id
    LEFT JOIN LATERAL (
        SELECT sum(v.amount) AS invoiced, sum(v.amount_paid) AS collected,
               sum(CASE WHEN v.status = 'written_off' THEN v.amount - v.amount_paid ELSE 0 END)
                   AS written_off
        FROM invoices AS v WHERE v.installment_id = s.id AND v.status <> 'void'
    ) AS l ON true
"""

_INSTALLMENTS_OVERDUE = text(
    _INSTALLMENTS
    + """
    WHERE s.removed_at IS NULL AND s.overdue_scanned_for IS DISTINCT FROM s.due_date
      AND s.due_date < CAST(:today AS date)
    ORDER BY s.due_date, s.id
    LIMIT :limit
    """
)

_INSTALLMENTS_DUE_SOON = text(
    _INSTALLMENTS
    + """
    WHERE s.removed_at IS NULL AND s.due_soon_scanned_for IS DISTINCT FROM s.due_date
      AND s.due_date BETWEEN CAST(:today AS date) AND CAST(:until AS date)
    ORDER BY s.due_date, s.id
    LIMIT :limit
    """
)

_INSTALLMENTS_UNBILLED = text(
    _INSTALLMENTS
    + """
    WHERE s.removed_at IS NULL AND s.unbilled_scanned_for IS DISTINCT FROM s.due_date
      AND s.due_date <= CAST(:due_by AS date)
    ORDER BY s.due_date, s.id
    LIMIT :limit
    """
)

_INVOICES_DUE_SOON = text(
    f"""
    SELECT i.*, c.late_fee_rate
    FROM invoices AS i LEFT JOIN contracts AS c ON c.id = i.contract_id
    WHERE i.{PAYABLE_SQL} AND i.due_soon_scanned_for IS DISTINCT FROM i.due_date
      AND i.due_date BETWEEN CAST(:today AS date) AND CAST(:until AS date)
    ORDER BY i.due_date, i.id
    LIMIT :limit
    """
)

_TASKS_OVERDUE = text(
    """
    SELECT * FROM tasks
    WHERE status IN ('todo', 'in_progress') AND overdue_scanned_for IS DISTINCT FROM due_date
      AND due_date < CAST(:today AS date)
    ORDER BY due_date, id
    LIMIT :limit
    """
)

_TARGETS = text(
    """
    SELECT * FROM targets
    WHERE scan_closed_on IS NULL AND period_start <= CAST(:today AS date)
      AND id > CAST(:after AS uuid)
    ORDER BY id
    LIMIT :limit
    """
)

_OVERDUE_AMOUNTS = text(
    f"""
    SELECT currency, sum(outstanding) AS outstanding FROM invoices
    WHERE {PAYABLE_SQL} AND due_date < CAST(:today AS date)
    GROUP BY currency ORDER BY currency
    """
)

_MARK = (
    "UPDATE {table} AS t SET {marker} = d.due_date FROM unnest(CAST(:ids AS uuid[]), "
    "CAST(:dues AS date[])) AS d(id, due_date) WHERE t.id = d.id"
)

ZERO_UUID = "00000000-0000-0000-0000-000000000000"


def installment_to_scan(row: RowMapping) -> InstallmentToScan:
    currency = row["currency"]
    ledger = Ledger(
        invoiced=Money.of(row["invoiced"], currency),
        collected=Money.of(row["collected"], currency),
        written_off=Money.of(row["written_off"], currency),
        overdue=Money.zero(currency),  # not needed for an installment's own figures
    )
    return InstallmentToScan(
        installment=installment_from_row(row),
        ledger=ledger,
        customer_id=row["customer_id"],
        contract_name=row["contract_name"],
    )


class SqlScanRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def _rows(self, statement: Any, **params: Any) -> Sequence[RowMapping]:
        rows: Sequence[RowMapping] = (await self.conn.execute(statement, params)).mappings().all()
        return rows

    async def _mark(self, table: str, marker: str, scanned: Sequence[Scanned]) -> None:
        if not scanned:
            return
        statement = text(_MARK.format(table=table, marker=marker))
        params = {"ids": [s.id for s in scanned], "dues": [s.due_date for s in scanned]}
        await self.conn.execute(statement, params)

    async def lock_invoices_to_scan(self, today: date, limit: int) -> Sequence[InvoiceToScan]:
        rows = await self._rows(_INVOICES_TO_SCAN, today=today, limit=limit)
        return [InvoiceToScan(invoice_from_row(r), r["owner"]) for r in rows]

    async def finish_invoice_scans(self, scanned: Sequence[InvoiceScanned], at: datetime) -> None:
        if not scanned:
            return
        params = {
            "ids": [s.invoice_id for s in scanned],
            "next": [s.next_scan_on or NEVER for s in scanned],
            "levels": [s.dunning_level for s in scanned],
            "at": at,
        }
        await self.conn.execute(_FINISH_INVOICE_SCANS, params)

    async def installments_overdue_to_scan(
        self, today: date, limit: int
    ) -> Sequence[InstallmentToScan]:
        rows = await self._rows(_INSTALLMENTS_OVERDUE, today=today, limit=limit)
        return [installment_to_scan(r) for r in rows]

    async def mark_installments_overdue_scanned(self, scanned: Sequence[Scanned]) -> None:
        await self._mark("installments", "overdue_scanned_for", scanned)

    async def installments_due_soon_to_scan(
        self, today: date, until: date, limit: int
    ) -> Sequence[InstallmentToScan]:
        rows = await self._rows(_INSTALLMENTS_DUE_SOON, today=today, until=until, limit=limit)
        return [installment_to_scan(r) for r in rows]

    async def mark_installments_due_soon_scanned(self, scanned: Sequence[Scanned]) -> None:
        await self._mark("installments", "due_soon_scanned_for", scanned)

    async def installments_unbilled_to_scan(
        self, due_by: date, limit: int
    ) -> Sequence[InstallmentToScan]:
        rows = await self._rows(_INSTALLMENTS_UNBILLED, due_by=due_by, limit=limit)
        return [installment_to_scan(r) for r in rows]

    async def mark_installments_unbilled_scanned(self, scanned: Sequence[Scanned]) -> None:
        await self._mark("installments", "unbilled_scanned_for", scanned)

    async def invoices_due_soon_to_scan(
        self, today: date, until: date, limit: int
    ) -> Sequence[Invoice]:
        rows = await self._rows(_INVOICES_DUE_SOON, today=today, until=until, limit=limit)
        return [invoice_from_row(r) for r in rows]

    async def mark_invoices_due_soon_scanned(self, scanned: Sequence[Scanned]) -> None:
        await self._mark("invoices", "due_soon_scanned_for", scanned)

    async def tasks_overdue_to_scan(self, today: date, limit: int) -> Sequence[Task]:
        rows = await self._rows(_TASKS_OVERDUE, today=today, limit=limit)
        return [task_from_row(r) for r in rows]

    async def mark_tasks_overdue_scanned(self, scanned: Sequence[Scanned]) -> None:
        await self._mark("tasks", "overdue_scanned_for", scanned)

    async def targets_to_scan(
        self, today: date, after: UUID | None, limit: int
    ) -> Sequence[Target]:
        rows = await self._rows(_TARGETS, today=today, after=str(after or ZERO_UUID), limit=limit)
        return [target_from_row(r) for r in rows]

    async def close_target_scans(self, target_ids: Collection[UUID], today: date) -> None:
        if not target_ids:
            return
        await self.conn.execute(
            text("UPDATE targets SET scan_closed_on = :today WHERE id = ANY(CAST(:ids AS uuid[]))"),
            {"today": today, "ids": list(target_ids)},
        )

    async def overdue_amounts(self, today: date) -> Sequence[Money]:
        rows = await self._rows(_OVERDUE_AMOUNTS, today=today)
        return [Money.of(r["outstanding"], r["currency"]) for r in rows]

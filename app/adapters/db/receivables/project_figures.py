"""What the organisation reads of the receivables: a project's money, and the unit (and
its manager) that owns a contract, an invoice or a customer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import case, func, select, text

from app.adapters.db.connection import Executor
from app.adapters.db.receivables.models import contracts, installments, invoices
from app.adapters.db.receivables.statuses import PAYABLE
from app.domain.organisation.projects import ProjectFigures, figures
from app.domain.receivables.installments import unbilled_due_by
from app.domain.receivables.milestones import InstallmentKind

# A contract's unit: its project's, else its owner's person record's.
_CONTRACT_UNIT = """
    SELECT COALESCE(p.org_unit_id, pe.org_unit_id) AS unit
    FROM contracts AS c
    LEFT JOIN projects AS p ON p.id = c.project_id
    LEFT JOIN people AS pe ON pe.user_id = c.owner
    WHERE c.id = {contract}
"""
_UNIT_QUERIES = {
    "contract": text(_CONTRACT_UNIT.format(contract=":id")),
    "invoice": text(
        _CONTRACT_UNIT.format(contract="(SELECT contract_id FROM invoices WHERE id = :id)")
    ),
    "customer": text(
        """
        SELECT min(unit::text)::uuid FROM (
            SELECT COALESCE(p.org_unit_id, pe.org_unit_id) AS unit
            FROM contracts AS c
            LEFT JOIN projects AS p ON p.id = c.project_id
            LEFT JOIN people AS pe ON pe.user_id = c.owner
            WHERE c.customer_id = :id
            UNION SELECT org_unit_id FROM projects WHERE customer_id = :id
        ) AS units
        WHERE unit IS NOT NULL
        HAVING count(DISTINCT unit) = 1
        """
    ),
}
_MANAGER = text(
    """
    SELECT u.manager FROM org_unit_closure AS c JOIN org_units AS u ON u.id = c.ancestor_id
    WHERE c.descendant_id = :unit AND u.manager IS NOT NULL
    ORDER BY c.depth LIMIT 1
    """
)

Kind = Literal["contract", "invoice", "customer"]


class SqlProjectMoney:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def project_figures(
        self, project_id: UUID, today: date, unbilled_after_days: int = 7
    ) -> Sequence[ProjectFigures]:
        in_project = select(contracts.c.id).where(contracts.c.project_id == project_id)
        value = (
            select(
                contracts.c.currency,
                func.sum(contracts.c.amount).label("contract_value"),
            )
            .where(contracts.c.project_id == project_id)
            .group_by(contracts.c.currency)
        )
        payable = invoices.c.status.in_(PAYABLE)
        billed = invoices.c.status != "void"
        zero = Decimal(0)
        sums = (
            select(
                invoices.c.currency,
                func.sum(case((billed, invoices.c.amount), else_=zero)).label("invoiced"),
                func.sum(case((billed, invoices.c.amount_paid), else_=zero)).label("collected"),
                func.sum(case((payable, invoices.c.outstanding), else_=zero)).label("outstanding"),
                func.sum(
                    case((payable & (invoices.c.due_date < today), invoices.c.outstanding), else_=0)
                ).label("overdue"),
            )
            .where(invoices.c.contract_id.in_(in_project))
            .group_by(invoices.c.currency)
        )
        found: dict[str, dict[str, Decimal]] = {}
        for row in (await self.conn.execute(value)).mappings():
            found.setdefault(row["currency"], {})["contract_value"] = row["contract_value"]
        for row in (await self.conn.execute(sums)).mappings():
            entry = found.setdefault(row["currency"], {})
            for name in ("invoiced", "collected", "outstanding", "overdue"):
                entry[name] = row[name]
        nodes = _payment_nodes(in_project, unbilled_due_by(today, unbilled_after_days))
        for row in (await self.conn.execute(nodes)).mappings():
            entry = found.setdefault(row["currency"], {})
            entry["retention_held"], entry["unbilled"] = row["retention_held"], row["unbilled"]
        names = (
            "contract_value",
            "invoiced",
            "collected",
            "outstanding",
            "overdue",
            "retention_held",
            "unbilled",
        )
        return [
            figures(currency, *(entry.get(n, zero) for n in names))
            for currency, entry in sorted(found.items())
        ]


def _payment_nodes(in_project: Any, due_by: date) -> Any:
    """Per currency: retention still held (amount less what its non-void invoices collected
    and wrote off) and unbilled work (installments due by ``due_by`` less what non-void
    invoices cover)."""
    per_installment = (
        select(
            invoices.c.installment_id,
            func.sum(invoices.c.amount).label("invoiced"),
            func.sum(
                case(
                    (invoices.c.status == "written_off", invoices.c.amount),
                    else_=invoices.c.amount_paid,
                )
            ).label("closed"),
        )
        .where(invoices.c.status != "void", invoices.c.installment_id.is_not(None))
        .group_by(invoices.c.installment_id)
        .subquery("billed")
    )
    invoiced = func.coalesce(per_installment.c.invoiced, 0)
    closed = func.coalesce(per_installment.c.closed, 0)
    retention = installments.c.kind == InstallmentKind.RETENTION.value
    due = installments.c.due_date <= due_by
    return (
        select(
            installments.c.currency,
            func.sum(
                case((retention, func.greatest(installments.c.amount - closed, 0)), else_=0)
            ).label("retention_held"),
            func.sum(
                case((due, func.greatest(installments.c.amount - invoiced, 0)), else_=0)
            ).label("unbilled"),
        )
        .select_from(
            installments.outerjoin(
                per_installment, per_installment.c.installment_id == installments.c.id
            )
        )
        .where(installments.c.contract_id.in_(in_project), installments.c.removed_at.is_(None))
        .group_by(installments.c.currency)
    )


class SqlSubjectUnits:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def unit_of(self, kind: Kind, subject_id: UUID) -> UUID | None:
        unit: UUID | None = (
            await self.conn.execute(_UNIT_QUERIES[kind], {"id": subject_id})
        ).scalar()
        return unit

    async def manager_of(self, kind: Kind, subject_id: UUID) -> str | None:
        unit = await self.unit_of(kind, subject_id)
        if unit is None:
            return None
        manager: str | None = (await self.conn.execute(_MANAGER, {"unit": unit})).scalar()
        return manager

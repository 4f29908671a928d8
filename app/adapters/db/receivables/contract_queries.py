"""The read side of contracts in PostgreSQL: lists, and the installments' history."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from uuid import UUID

from sqlalchemy import any_, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.engine import RowMapping

from app.adapters.db.connection import Executor
from app.adapters.db.receivables.contracts import (
    contract_from_row,
    installment_from_row,
    milestones_of,
    plans_of,
)
from app.adapters.db.receivables.models import (
    contracts,
    installment_changes,
    installments,
    invoices,
)
from app.domain.money import Money
from app.domain.receivables.contracts import (
    ChangeKind,
    Contract,
    InstallmentChange,
    InstallmentState,
)
from app.services.pagination import PageRequest
from app.services.receivables.ports import UnbilledInstallment


def _state(row: RowMapping, prefix: str) -> InstallmentState | None:
    if row[f"{prefix}_name"] is None:
        return None
    return InstallmentState(
        name=row[f"{prefix}_name"],
        due_date=row[f"{prefix}_due_date"],
        amount=Money.of(row[f"{prefix}_amount"], row["currency"]),
    )


# What an installment's (non-void) invoices bill, read per installment: the oldest due are
# read first and the first ``limit`` unbilled end the scan (summing every installment's
# invoices up front cost the review a second on a million invoices).
_INVOICED = (
    select(func.coalesce(func.sum(invoices.c.amount), 0))
    .where(invoices.c.installment_id == installments.c.id, invoices.c.status != "void")
    .scalar_subquery()
)


class SqlContractQueries:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def unbilled(
        self,
        due_by: date,
        *,
        customer_id: UUID | None = None,
        contract_ids: Collection[UUID] | None = None,
        limit: int = 500,
    ) -> Sequence[UnbilledInstallment]:
        rest = installments.c.amount - _INVOICED
        query = (
            select(installments, contracts.c.customer_id, contracts.c.name.label("contract_name"))
            .add_columns(rest.label("unbilled"))
            .select_from(installments.join(contracts, contracts.c.id == installments.c.contract_id))
            .where(
                installments.c.removed_at.is_(None),
                installments.c.due_date <= due_by,
                rest > 0,
            )
            .order_by(installments.c.due_date, installments.c.id)
            .limit(limit)
        )
        if customer_id is not None:
            query = query.where(contracts.c.customer_id == customer_id)
        if contract_ids is not None:
            # One array parameter, however many (a unit's contracts may be thousands).
            ids = literal(list(contract_ids), ARRAY(PgUUID(as_uuid=True)))
            query = query.where(installments.c.contract_id == any_(ids))
        rows = (await self.conn.execute(query)).mappings()
        return [
            UnbilledInstallment(
                installment=installment_from_row(r),
                customer_id=r["customer_id"],
                contract_name=r["contract_name"],
                unbilled=Money.of(r["unbilled"], r["currency"]),
            )
            for r in rows
        ]

    async def list(
        self,
        *,
        customer_id: UUID | None,
        external_id: str | None,
        owner: str | None,
        page: PageRequest,
        project_id: UUID | None = None,
    ) -> Sequence[Contract]:
        query = select(contracts).order_by(contracts.c.id).limit(page.fetch)
        if customer_id is not None:
            query = query.where(contracts.c.customer_id == customer_id)
        if external_id is not None:
            query = query.where(contracts.c.external_id == external_id)
        if owner is not None:
            query = query.where(contracts.c.owner == owner)
        if project_id is not None:
            query = query.where(contracts.c.project_id == project_id)
        if page.after:
            query = query.where(contracts.c.id > page.after_uuid())
        rows = (await self.conn.execute(query)).mappings().all()
        plans = await plans_of(self.conn, [r["id"] for r in rows])
        milestones = await milestones_of(self.conn, [r["id"] for r in rows])
        return [contract_from_row(r, plans[r["id"]], milestones[r["id"]]) for r in rows]

    async def history(self, installment_id: UUID) -> Sequence[InstallmentChange]:
        query = (
            select(installment_changes)
            .where(installment_changes.c.installment_id == installment_id)
            .order_by(installment_changes.c.changed_at, installment_changes.c.id)
        )
        return [
            InstallmentChange(
                id=r["id"],
                installment_id=r["installment_id"],
                contract_id=r["contract_id"],
                kind=ChangeKind(r["kind"]),
                changed_at=r["changed_at"],
                changed_by=r["changed_by"],
                changed_by_user=r["changed_by_user"],
                before=_state(r, "from"),
                after=_state(r, "to"),
                reason=r["reason"],
            )
            for r in (await self.conn.execute(query)).mappings()
        ]

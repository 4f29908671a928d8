"""Contracts, their installments and the installments' history in PostgreSQL, the write
side (lists and the history's reads: ``contract_queries.py``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from app.adapters.db.connection import Executor
from app.adapters.db.errors import translate_integrity_error
from app.adapters.db.receivables.models import (
    contract_milestones,
    contracts,
    installment_changes,
    installments,
)
from app.domain.errors import DuplicateExternalId, StaleVersion, UnknownReference
from app.domain.evidence import evidence_documents, evidence_links
from app.domain.money import Money
from app.domain.receivables.contracts import (
    Contract,
    Installment,
    InstallmentChange,
    InstallmentState,
)
from app.domain.receivables.milestones import InstallmentKind, Milestone, MilestoneTerm
from app.domain.receivables.plans import PlanChange


def contract_row(contract: Contract) -> dict[str, Any]:
    return {
        "id": contract.id,
        "customer_id": contract.customer_id,
        "external_id": contract.external_id,
        "name": contract.name,
        "amount": contract.amount.amount,
        "currency": contract.currency,
        "owner": contract.owner,
        "signed_on": contract.signed_on,
        "late_fee_rate": contract.late_fee_rate,
        "payment_terms_days": contract.payment_terms_days,
        "project_id": contract.project_id,
        "version": contract.version,
        "created_at": contract.created_at,
        "updated_at": contract.updated_at,
    }


def installment_row(installment: Installment, at: datetime) -> dict[str, Any]:
    return {
        "id": installment.id,
        "contract_id": installment.contract_id,
        "name": installment.name,
        "due_date": installment.due_date,
        "amount": installment.amount.amount,
        "currency": installment.currency,
        "position": installment.position,
        "created_at": at,
        **_term_columns(installment),
    }


def _term_columns(installment: Installment) -> dict[str, Any]:
    term = installment.term
    return {
        "kind": installment.kind.value,
        "milestone": term.milestone if term else None,
        "offset_days": term.offset_days if term else None,
        "offset_months": term.offset_months if term else None,
    }


def milestone_row(contract_id: UUID, position: int, milestone: Milestone) -> dict[str, Any]:
    return {
        "contract_id": contract_id,
        "key": milestone.key,
        "position": position,
        "name": milestone.name,
        "planned_on": milestone.planned_on,
        "reached_on": milestone.reached_on,
        "evidence": evidence_documents(milestone.evidence),
    }


def milestone_from_row(row: RowMapping) -> Milestone:
    return Milestone(
        key=row["key"],
        name=row["name"],
        planned_on=row["planned_on"],
        reached_on=row["reached_on"],
        evidence=evidence_links(row["evidence"]),
    )


def installment_from_row(row: RowMapping) -> Installment:
    return Installment(
        id=row["id"],
        contract_id=row["contract_id"],
        name=row["name"],
        due_date=row["due_date"],
        amount=Money.of(row["amount"], row["currency"]),
        position=row["position"],
        kind=InstallmentKind(row["kind"]),
        term=None
        if row["milestone"] is None
        else MilestoneTerm(row["milestone"], row["offset_days"], row["offset_months"]),
    )


def contract_from_row(
    row: RowMapping, plan: Sequence[Installment], milestones: Sequence[Milestone] = ()
) -> Contract:
    rate = row["late_fee_rate"]
    return Contract(
        id=row["id"],
        customer_id=row["customer_id"],
        external_id=row["external_id"],
        name=row["name"],
        amount=Money.of(row["amount"], row["currency"]),
        owner=row["owner"],
        signed_on=row["signed_on"],
        late_fee_rate=None if rate is None else rate.normalize(),
        installments=tuple(plan),
        milestones=tuple(milestones),
        payment_terms_days=row["payment_terms_days"],
        project_id=row["project_id"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def plans_of(conn: Executor, contract_ids: Collection[UUID]) -> dict[UUID, list[Installment]]:
    """The contracts' live installments, in plan order."""
    plans: dict[UUID, list[Installment]] = defaultdict(list)
    if not contract_ids:
        return plans
    query = (
        select(installments)
        .where(
            installments.c.contract_id.in_(list(contract_ids)),
            installments.c.removed_at.is_(None),
        )
        .order_by(installments.c.contract_id, installments.c.position)
    )
    for row in (await conn.execute(query)).mappings():
        plans[row["contract_id"]].append(installment_from_row(row))
    return plans


async def milestones_of(
    conn: Executor, contract_ids: Collection[UUID]
) -> dict[UUID, list[Milestone]]:
    """The contracts' milestones, in the order given."""
    found: dict[UUID, list[Milestone]] = defaultdict(list)
    if not contract_ids:
        return found
    query = (
        select(contract_milestones)
        .where(contract_milestones.c.contract_id.in_(list(contract_ids)))
        .order_by(contract_milestones.c.contract_id, contract_milestones.c.position)
    )
    for row in (await conn.execute(query)).mappings():
        found[row["contract_id"]].append(milestone_from_row(row))
    return found


def _state_columns(prefix: str, state: InstallmentState | None) -> dict[str, Any]:
    return {
        f"{prefix}_name": state.name if state else None,
        f"{prefix}_due_date": state.due_date if state else None,
        f"{prefix}_amount": state.amount.amount if state else None,
    }


def _history_row(change: InstallmentChange) -> dict[str, Any]:
    state = change.after or change.before
    assert state is not None, "a history entry has a before or an after"
    return {
        "id": change.id,
        "installment_id": change.installment_id,
        "contract_id": change.contract_id,
        "kind": change.kind.value,
        "changed_at": change.changed_at,
        "changed_by": change.changed_by,
        "changed_by_user": change.changed_by_user,
        "reason": change.reason,
        "currency": state.amount.currency,
        **_state_columns("from", change.before),
        **_state_columns("to", change.after),
    }


def _translate(exc: IntegrityError, contract: Contract) -> Exception:
    mapping = {
        "uq_contracts_external_id": lambda: DuplicateExternalId(
            "contract", contract.external_id or ""
        ),
        "fk_contracts_customer_id_customers": lambda: UnknownReference(
            "customer", contract.customer_id, ("customer_id",)
        ),
        # (project_id, customer_id): unknown, or a project of another customer.
        "fk_contracts_project_id_projects": lambda: UnknownReference(
            "project of this customer", contract.project_id, ("project_id",)
        ),
    }
    return translate_integrity_error(exc, mapping) or exc


# Rewrites kept installments in one statement; names go through a unique placeholder
# first when they change, because the (contract, name) index is checked row by row.
_RENAME_FIRST = text("UPDATE installments SET name = id::text WHERE id = ANY(CAST(:ids AS uuid[]))")
_REWRITE = text(
    "UPDATE installments AS i SET name = d.name, due_date = d.due_date, amount = d.amount, "
    "position = d.position, kind = d.kind, milestone = d.milestone, "
    "offset_days = d.offset_days, offset_months = d.offset_months "
    "FROM unnest(CAST(:ids AS uuid[]), CAST(:names AS text[]), CAST(:due_dates AS date[]), "
    "CAST(:amounts AS numeric[]), CAST(:positions AS integer[]), CAST(:kinds AS text[]), "
    "CAST(:milestones AS text[]), CAST(:offset_days AS integer[]), "
    "CAST(:offset_months AS integer[])) "
    "AS d(id, name, due_date, amount, position, kind, milestone, offset_days, offset_months) "
    "WHERE i.id = d.id"
)


class SqlContractRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, contract: Contract) -> None:
        try:
            await self.conn.execute(insert(contracts).values(contract_row(contract)))
        except IntegrityError as exc:
            raise _translate(exc, contract) from exc
        await self.save_milestones(contract)
        if contract.installments:
            rows = [installment_row(i, contract.created_at) for i in contract.installments]
            await self.conn.execute(insert(installments), rows)

    async def save_milestones(self, contract: Contract) -> None:
        await self.conn.execute(
            delete(contract_milestones).where(contract_milestones.c.contract_id == contract.id)
        )
        if contract.milestones:
            rows = [milestone_row(contract.id, p, m) for p, m in enumerate(contract.milestones)]
            await self.conn.execute(insert(contract_milestones), rows)

    async def get(self, contract_id: UUID, *, lock: bool = False) -> Contract | None:
        query = select(contracts).where(contracts.c.id == contract_id)
        if lock:
            query = query.with_for_update(key_share=True)
        row = (await self.conn.execute(query)).mappings().first()
        if row is None:
            return None
        plans = await plans_of(self.conn, [contract_id])
        milestones = await milestones_of(self.conn, [contract_id])
        return contract_from_row(row, plans[contract_id], milestones[contract_id])

    async def save(self, contract: Contract, expected_version: int) -> None:
        values = contract_row(contract)
        del values["id"], values["created_at"], values["customer_id"], values["currency"]
        statement = (
            update(contracts)
            .where(contracts.c.id == contract.id, contracts.c.version == expected_version)
            .values(values)
            .returning(contracts.c.version)
        )
        try:
            written = (await self.conn.execute(statement)).scalar_one_or_none()
        except IntegrityError as exc:
            raise _translate(exc, contract) from exc
        if written is None:
            raise StaleVersion("contract", expected_version)

    async def save_plan(self, change: PlanChange, at: datetime) -> None:
        if change.removed:
            await self.conn.execute(
                update(installments)
                .where(installments.c.id.in_([i.id for i in change.removed]))
                .values(removed_at=at)
            )
        added = {i.id for i in change.added}
        kept = [i for i in change.installments if i.id not in added]
        renamed = [after.id for before, after in change.changed if before.name != after.name]
        if renamed:
            await self.conn.execute(_RENAME_FIRST, {"ids": renamed})
        if kept:
            await self.conn.execute(
                _REWRITE,
                {
                    "ids": [i.id for i in kept],
                    "names": [i.name for i in kept],
                    "due_dates": [i.due_date for i in kept],
                    "amounts": [i.amount.amount for i in kept],
                    "positions": [i.position for i in kept],
                    "kinds": [i.kind.value for i in kept],
                    "milestones": [i.term.milestone if i.term else None for i in kept],
                    "offset_days": [i.term.offset_days if i.term else None for i in kept],
                    "offset_months": [i.term.offset_months if i.term else None for i in kept],
                },
            )
        if change.added:
            await self.conn.execute(
                insert(installments), [installment_row(i, at) for i in change.added]
            )

    async def lock_installments(self, installment_ids: Collection[UUID]) -> Sequence[Installment]:
        if not installment_ids:
            return []
        query = (
            select(installments)
            .where(
                installments.c.id.in_(list(installment_ids)),
                installments.c.removed_at.is_(None),
            )
            .order_by(installments.c.id)
            .with_for_update(key_share=True)
        )
        return [installment_from_row(r) for r in (await self.conn.execute(query)).mappings()]

    async def add_history(self, changes: Sequence[InstallmentChange]) -> None:
        if not changes:
            return
        rows = [_history_row(c) for c in changes]
        await self.conn.execute(insert(installment_changes), rows)

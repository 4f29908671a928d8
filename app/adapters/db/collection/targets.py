"""Targets in PostgreSQL, and the sums their progress is computed from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from app.adapters.db.collection.models import targets as table
from app.adapters.db.connection import Executor
from app.adapters.db.errors import translate_integrity_error
from app.adapters.db.organisation.models import org_unit_closure, people, projects
from app.adapters.db.receivables.models import (
    contracts,
    installments,
    invoices,
    payment_allocations,
    payments,
)
from app.domain.collection.targets import ProgressSums, Target, TargetScope
from app.domain.errors import StaleVersion, UnknownReference
from app.domain.money import Money
from app.services.collection.ports import TargetFilter
from app.services.pagination import PageRequest


def target_row(target: Target) -> dict[str, Any]:
    scope_id = target.scope_id
    return {
        "id": target.id,
        "name": target.name,
        "amount": target.amount.amount,
        "currency": target.currency,
        "period_start": target.period_start,
        "period_end": target.period_end,
        "scope": target.scope.value,
        "customer_id": scope_id if target.scope is TargetScope.CUSTOMER else None,
        "contract_id": scope_id if target.scope is TargetScope.CONTRACT else None,
        "scope_owner": scope_id if target.scope is TargetScope.OWNER else None,
        "org_unit_id": scope_id if target.scope is TargetScope.ORG_UNIT else None,
        "project_id": scope_id if target.scope is TargetScope.PROJECT else None,
        "parent_id": target.parent_id,
        "owner": target.owner,
        "description": target.description,
        "version": target.version,
        "created_at": target.created_at,
        "updated_at": target.updated_at,
    }


def target_from_row(row: RowMapping) -> Target:
    scope = TargetScope(row["scope"])
    return Target(
        id=row["id"],
        name=row["name"],
        amount=Money.of(row["amount"], row["currency"]),
        period_start=row["period_start"],
        period_end=row["period_end"],
        scope=scope,
        scope_id=(
            row["customer_id"]
            or row["contract_id"]
            or row["scope_owner"]
            or row["org_unit_id"]
            or row["project_id"]
        ),
        parent_id=row["parent_id"],
        owner=row["owner"],
        description=row["description"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _translate(exc: IntegrityError, target: Target) -> Exception:
    mapping = {
        "fk_targets_customer_id_customers": lambda: UnknownReference(
            "customer", target.scope_id, ("scope_id",)
        ),
        "fk_targets_contract_id_contracts": lambda: UnknownReference(
            "contract", target.scope_id, ("scope_id",)
        ),
        "fk_targets_org_unit_id_org_units": lambda: UnknownReference(
            "org unit", target.scope_id, ("scope_id",)
        ),
        "fk_targets_project_id_projects": lambda: UnknownReference(
            "project", target.scope_id, ("scope_id",)
        ),
        "fk_targets_parent_id_targets": lambda: UnknownReference(
            "target", target.parent_id, ("parent_id",)
        ),
    }
    return translate_integrity_error(exc, mapping) or exc


@dataclass(frozen=True, slots=True)
class Source:
    """Where a sum for a target comes from: the rows in its scope, their amount and day."""

    from_: FromClause
    amount: ColumnElement[Any]
    day: ColumnElement[Any]
    where: tuple[ColumnElement[bool], ...]

    def total(self) -> ColumnElement[Any]:
        query = select(func.coalesce(func.sum(self.amount), 0)).select_from(self.from_)
        return query.where(*self.where).scalar_subquery()

    def per_day(self) -> Select[Any]:
        """The sum per day (day, amount), for the progress curve."""
        return (
            select(self.day.label("day"), func.sum(self.amount).label("amount"))
            .select_from(self.from_)
            .where(*self.where)
            .group_by(self.day)
        )


def _contract_in_scope(target: Target) -> ColumnElement[bool]:
    """The contract is in an owner's, a project's or a unit's scope. A unit's: the unit of
    the contract's project, if the project has one, wins over its owner's (as in reports),
    both as they are placed now."""
    if target.scope is TargetScope.OWNER:
        return contracts.c.owner == target.scope_id
    if target.scope is TargetScope.PROJECT:
        return contracts.c.project_id == target.scope_id
    subtree = select(org_unit_closure.c.descendant_id).where(
        org_unit_closure.c.ancestor_id == target.scope_id
    )
    project_unit = (
        select(projects.c.org_unit_id).where(projects.c.id == contracts.c.project_id)
    ).scalar_subquery()
    owner_unit = (
        select(people.c.org_unit_id).where(people.c.user_id == contracts.c.owner)
    ).scalar_subquery()
    return func.coalesce(project_unit, owner_unit).in_(subtree)


def collected_source(target: Target) -> Source:
    """Org and customer targets count payments received (not reversed); contract and owner
    targets count the active allocations to their contracts' invoices."""
    in_period = (target.period_start, target.period_end)
    if target.scope in (TargetScope.ORG, TargetScope.CUSTOMER):
        where = [
            payments.c.currency == target.currency,
            payments.c.reversed_at.is_(None),
            payments.c.received_on.between(*in_period),
        ]
        if target.scope is TargetScope.CUSTOMER:
            where.append(payments.c.customer_id == target.scope_id)
        return Source(payments, payments.c.amount, payments.c.received_on, tuple(where))
    allocations: FromClause = payment_allocations.join(
        invoices, invoices.c.id == payment_allocations.c.invoice_id
    )
    if target.scope is TargetScope.CONTRACT:
        in_scope = invoices.c.contract_id == target.scope_id
    else:
        allocations = allocations.join(contracts, contracts.c.id == invoices.c.contract_id)
        in_scope = _contract_in_scope(target)
    where = [
        payment_allocations.c.undone_at.is_(None),
        payment_allocations.c.currency == target.currency,
        payment_allocations.c.received_on.between(*in_period),
        in_scope,
    ]
    return Source(
        allocations, payment_allocations.c.amount, payment_allocations.c.received_on, tuple(where)
    )


def planned_source(target: Target, due_before: date | None = None) -> Source:
    """The live installments in scope falling due within the period (and before a day)."""
    where = [
        installments.c.removed_at.is_(None),
        installments.c.currency == target.currency,
        installments.c.due_date.between(target.period_start, target.period_end),
    ]
    if due_before is not None:
        where.append(installments.c.due_date < due_before)
    if target.scope is TargetScope.CONTRACT:
        where.append(contracts.c.id == target.scope_id)
    elif target.scope is TargetScope.CUSTOMER:
        where.append(contracts.c.customer_id == target.scope_id)
    elif target.scope is not TargetScope.ORG:
        where.append(_contract_in_scope(target))
    joined = installments.join(contracts, contracts.c.id == installments.c.contract_id)
    return Source(joined, installments.c.amount, installments.c.due_date, tuple(where))


def _sums(target: Target, today: date) -> Select[Any]:
    return select(
        literal(target.id, PgUUID(as_uuid=True)).label("target_id"),
        collected_source(target).total().label("collected"),
        planned_source(target).total().label("planned_in_period"),
        planned_source(target, today).total().label("planned_to_date"),
    )


class SqlTargetRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, target: Target) -> None:
        try:
            await self.conn.execute(insert(table).values(target_row(target)))
        except IntegrityError as exc:
            raise _translate(exc, target) from exc

    async def get(self, target_id: UUID) -> Target | None:
        row = (await self.conn.execute(select(table).where(table.c.id == target_id))).mappings()
        found = row.first()
        return target_from_row(found) if found else None

    async def children(self, target_id: UUID) -> Sequence[Target]:
        query = select(table).where(table.c.parent_id == target_id).order_by(table.c.id)
        return [target_from_row(r) for r in (await self.conn.execute(query)).mappings()]

    async def lock(self, target_id: UUID) -> None:
        """Lock the target row: parts added at once must not overshoot it together."""
        await self.conn.execute(select(table.c.id).where(table.c.id == target_id).with_for_update())

    async def save(self, target: Target, expected_version: int) -> None:
        values = target_row(target)
        fixed = ("id", "created_at", "scope", "customer_id", "contract_id", "scope_owner")
        for name in (*fixed, "org_unit_id", "project_id", "parent_id"):
            del values[name]
        values["scan_closed_on"] = None  # a changed target may have news for target-pace
        statement = (
            update(table)
            .where(table.c.id == target.id, table.c.version == expected_version)
            .values(values)
            .returning(table.c.version)
        )
        if (await self.conn.execute(statement)).scalar_one_or_none() is None:
            raise StaleVersion("target", expected_version)


class SqlTargetQueries:
    """The read side of targets: lists (tested on PostgreSQL, not faked) and the sums of
    their progress (faked; tests/contract holds the fake to this query)."""

    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def progress_sums(
        self, targets: Sequence[Target], today: date
    ) -> dict[UUID, ProgressSums]:
        if not targets:
            return {}
        by_id = {t.id: t for t in targets}
        selects = [_sums(t, today) for t in targets]
        statement = selects[0] if len(selects) == 1 else union_all(*selects)
        found = {}
        for row in (await self.conn.execute(statement)).mappings():
            currency = by_id[row["target_id"]].currency
            found[row["target_id"]] = ProgressSums(
                collected=Money.of(row["collected"], currency),
                planned_in_period=Money.of(row["planned_in_period"], currency),
                planned_to_date=Money.of(row["planned_to_date"], currency),
            )
        return found

    async def list(self, filters: TargetFilter, page: PageRequest) -> Sequence[Target]:
        query = select(table).order_by(table.c.id).limit(page.fetch)
        if filters.scope is not None:
            query = query.where(table.c.scope == filters.scope.value)
        if filters.scope_id is not None:
            scope_id = filters.scope_id
            if isinstance(scope_id, UUID):
                query = query.where(
                    (table.c.customer_id == scope_id) | (table.c.contract_id == scope_id)
                )
            else:
                query = query.where(table.c.scope_owner == scope_id)
        if filters.owner is not None:
            query = query.where(table.c.owner == filters.owner)
        if filters.active_on is not None:
            query = query.where(
                table.c.period_start <= filters.active_on, table.c.period_end >= filters.active_on
            )
        if page.after:
            query = query.where(table.c.id > page.after_uuid())
        return [target_from_row(r) for r in (await self.conn.execute(query)).mappings()]

"""Org units in PostgreSQL, with the closure table that makes roll-ups one join."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from app.adapters.db.connection import Executor
from app.adapters.db.errors import translate_integrity_error
from app.adapters.db.organisation.models import org_unit_closure, org_units
from app.domain.errors import Conflict, StaleVersion, UnknownReference
from app.domain.organisation.org_units import OrgUnit
from app.services.pagination import PageRequest

# Any constant key: one advisory lock for the tree's shape (changes of it are rare).
_TREE_LOCK = 0x6F7267  # "org"

# Moving a subtree: drop the pairs that joined it to its old ancestors, then join every
# ancestor of the new parent to every unit of the subtree.
_DETACH = text(
    """
    DELETE FROM org_unit_closure AS c
    USING org_unit_closure AS sub
    WHERE sub.ancestor_id = :unit AND c.descendant_id = sub.descendant_id
      AND c.ancestor_id NOT IN (
          SELECT descendant_id FROM org_unit_closure WHERE ancestor_id = :unit)
    """
)
_ATTACH = text(
    """
    INSERT INTO org_unit_closure (ancestor_id, descendant_id, depth)
    SELECT up.ancestor_id, sub.descendant_id, up.depth + sub.depth + 1
    FROM org_unit_closure AS up, org_unit_closure AS sub
    WHERE up.descendant_id = :parent AND sub.ancestor_id = :unit
    """
)


def unit_row(unit: OrgUnit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "code": unit.code,
        "name": unit.name,
        "parent_id": unit.parent_id,
        "manager": unit.manager,
        "version": unit.version,
        "created_at": unit.created_at,
        "updated_at": unit.updated_at,
    }


def unit_from_row(row: RowMapping) -> OrgUnit:
    return OrgUnit(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        parent_id=row["parent_id"],
        manager=row["manager"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _translate(exc: IntegrityError, unit: OrgUnit) -> Exception:
    mapping = {
        "uq_org_units_code": lambda: Conflict(f"an org unit with code {unit.code!r} exists"),
        "fk_org_units_parent_id_org_units": lambda: UnknownReference(
            "org unit", unit.parent_id, ("parent_id",)
        ),
    }
    return translate_integrity_error(exc, mapping) or exc


class SqlOrgUnitRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def lock_tree(self) -> None:
        await self.conn.execute(select(func.pg_advisory_xact_lock(_TREE_LOCK)))

    async def add(self, unit: OrgUnit) -> None:
        try:
            await self.conn.execute(insert(org_units).values(unit_row(unit)))
        except IntegrityError as exc:
            raise _translate(exc, unit) from exc

    async def _one(self, condition: Any) -> OrgUnit | None:
        row = (await self.conn.execute(select(org_units).where(condition))).mappings().first()
        return unit_from_row(row) if row else None

    async def get(self, unit_id: UUID) -> OrgUnit | None:
        return await self._one(org_units.c.id == unit_id)

    async def get_by_code(self, code: str) -> OrgUnit | None:
        return await self._one(org_units.c.code == code)

    async def save(self, unit: OrgUnit, expected_version: int) -> None:
        values = unit_row(unit)
        del values["id"], values["created_at"]
        statement = (
            update(org_units)
            .where(org_units.c.id == unit.id, org_units.c.version == expected_version)
            .values(values)
            .returning(org_units.c.version)
        )
        try:
            written = (await self.conn.execute(statement)).scalar_one_or_none()
        except IntegrityError as exc:
            raise _translate(exc, unit) from exc
        if written is None:
            raise StaleVersion("org unit", expected_version)

    async def path(self, unit_id: UUID) -> Sequence[UUID]:
        query = (
            select(org_unit_closure.c.ancestor_id)
            .where(org_unit_closure.c.descendant_id == unit_id)
            .order_by(org_unit_closure.c.depth.desc())
        )
        return list((await self.conn.execute(query)).scalars())

    async def height(self, unit_id: UUID) -> int:
        query = select(func.coalesce(func.max(org_unit_closure.c.depth), 0)).where(
            org_unit_closure.c.ancestor_id == unit_id
        )
        return int((await self.conn.execute(query)).scalar_one())

    async def place(self, unit_id: UUID, parent_id: UUID | None) -> None:
        params = {"unit": unit_id, "parent": parent_id}
        exists = select(org_unit_closure.c.depth).where(
            org_unit_closure.c.ancestor_id == unit_id, org_unit_closure.c.descendant_id == unit_id
        )
        if (await self.conn.execute(exists)).first() is None:
            await self.conn.execute(
                insert(org_unit_closure).values(ancestor_id=unit_id, descendant_id=unit_id, depth=0)
            )
        else:
            await self.conn.execute(_DETACH, params)
        if parent_id is not None:
            await self.conn.execute(_ATTACH, params)


class SqlOrgUnitQueries:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def list(
        self, *, code: str | None, parent_id: UUID | None, roots: bool, page: PageRequest
    ) -> Sequence[OrgUnit]:
        query = select(org_units).order_by(org_units.c.id).limit(page.fetch)
        if code is not None:
            query = query.where(org_units.c.code == code)
        if parent_id is not None:
            query = query.where(org_units.c.parent_id == parent_id)
        if roots:
            query = query.where(org_units.c.parent_id.is_(None))
        if page.after:
            query = query.where(org_units.c.id > page.after_uuid())
        return [unit_from_row(r) for r in (await self.conn.execute(query)).mappings()]

    async def subtree(self, unit_id: UUID) -> Sequence[tuple[OrgUnit, int]]:
        query = (
            select(org_units, org_unit_closure.c.depth.label("distance"))
            .select_from(
                org_unit_closure.join(org_units, org_units.c.id == org_unit_closure.c.descendant_id)
            )
            .where(org_unit_closure.c.ancestor_id == unit_id)
            .order_by(org_unit_closure.c.depth, org_units.c.code)
        )
        rows = (await self.conn.execute(query)).mappings()
        return [(unit_from_row(r), r["distance"]) for r in rows]

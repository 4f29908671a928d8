"""People and the history of their units (and of projects') in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from app.adapters.db.connection import Executor
from app.adapters.db.errors import translate_integrity_error
from app.adapters.db.organisation.models import (
    org_unit_closure,
    people,
    person_assignments,
    project_assignments,
)
from app.domain.errors import Conflict, StaleVersion, UnknownReference
from app.domain.organisation.people import Person
from app.services.pagination import PageRequest

# A first placement counts for every earlier day too: there was no other placement to keep,
# and an org tree loaded today should not leave every past report unassigned.
SINCE_EVER = datetime(1900, 1, 1, tzinfo=UTC)


def person_row(person: Person) -> dict[str, Any]:
    return {
        "user_id": person.user_id,
        "name": person.name,
        "org_unit_id": person.org_unit_id,
        "active": person.active,
        "version": person.version,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


def person_from_row(row: RowMapping) -> Person:
    return Person(
        user_id=row["user_id"],
        name=row["name"],
        org_unit_id=row["org_unit_id"],
        active=row["active"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _translate(exc: IntegrityError, person: Person) -> Exception:
    mapping = {
        "pk_people": lambda: Conflict(f"person {person.user_id!r} exists"),
        "fk_people_org_unit_id_org_units": lambda: UnknownReference(
            "org unit", person.org_unit_id, ("org_unit_id",)
        ),
    }
    return translate_integrity_error(exc, mapping) or exc


class SqlPersonRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, person: Person) -> None:
        try:
            await self.conn.execute(insert(people).values(person_row(person)))
        except IntegrityError as exc:
            raise _translate(exc, person) from exc

    async def get(self, user_id: str) -> Person | None:
        query = select(people).where(people.c.user_id == user_id)
        row = (await self.conn.execute(query)).mappings().first()
        return person_from_row(row) if row else None

    async def save(self, person: Person, expected_version: int) -> None:
        values = person_row(person)
        del values["user_id"], values["created_at"]
        statement = (
            update(people)
            .where(people.c.user_id == person.user_id, people.c.version == expected_version)
            .values(values)
            .returning(people.c.version)
        )
        try:
            written = (await self.conn.execute(statement)).scalar_one_or_none()
        except IntegrityError as exc:
            raise _translate(exc, person) from exc
        if written is None:
            raise StaleVersion("person", expected_version)


class SqlPersonQueries:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def list(
        self, *, org_unit_id: UUID | None, include_descendants: bool, page: PageRequest
    ) -> Sequence[Person]:
        query = select(people).order_by(people.c.user_id).limit(page.fetch)
        if org_unit_id is not None and include_descendants:
            units = select(org_unit_closure.c.descendant_id).where(
                org_unit_closure.c.ancestor_id == org_unit_id
            )
            query = query.where(people.c.org_unit_id.in_(units))
        elif org_unit_id is not None:
            query = query.where(people.c.org_unit_id == org_unit_id)
        if page.after:
            query = query.where(people.c.user_id > str(page.after[0]))
        return [person_from_row(r) for r in (await self.conn.execute(query)).mappings()]

    async def members(self, org_unit_id: UUID) -> Sequence[str]:
        units = select(org_unit_closure.c.descendant_id).where(
            org_unit_closure.c.ancestor_id == org_unit_id
        )
        query = select(people.c.user_id).where(people.c.org_unit_id.in_(units))
        return list((await self.conn.execute(query.order_by(people.c.user_id))).scalars())


class SqlAssignments:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def assign(
        self, kind: Literal["person", "project"], subject: str, unit: UUID | None, at: datetime
    ) -> None:
        table = person_assignments if kind == "person" else project_assignments
        key = table.c.user_id if kind == "person" else table.c.project_id
        value: Any = subject if kind == "person" else UUID(subject)
        first = (await self.conn.execute(select(key).where(key == value).limit(1))).first()
        if first is None:
            at = SINCE_EVER  # see SINCE_EVER
        # Two changes at the same instant: the later one replaces the earlier.
        await self.conn.execute(table.delete().where(key == value, table.c.valid_from == at))
        await self.conn.execute(
            update(table).where(key == value, table.c.valid_to.is_(None)).values(valid_to=at)
        )
        await self.conn.execute(
            insert(table).values({key.name: value, "valid_from": at, "org_unit_id": unit})
        )

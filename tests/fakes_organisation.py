"""Fakes of the organisation's ports: the tree, people, projects and assignments in
memory, checking references and unique codes the way the database's constraints do. The
closure is derived from the parents with the domain's own functions; lists and the
receivables' answers (project money, subject units) are tested on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from app.domain.errors import Conflict, DuplicateExternalId, StaleVersion, UnknownReference
from app.domain.organisation.org_units import OrgUnit, path_to_root
from app.domain.organisation.people import Person
from app.domain.organisation.projects import Project, ProjectFigures, ProjectStatus
from app.services.pagination import PageRequest
from tests.fakes_lists import not_faked


class FakeOrgUnitRepository:
    def __init__(self) -> None:
        self.rows: dict[UUID, OrgUnit] = {}

    async def lock_tree(self) -> None:
        return None

    def _check(self, unit: OrgUnit) -> None:
        if any(u.code == unit.code and u.id != unit.id for u in self.rows.values()):
            raise Conflict(f"an org unit with code {unit.code!r} exists")
        if unit.parent_id is not None and unit.parent_id not in self.rows:
            raise UnknownReference("org unit", unit.parent_id, ("parent_id",))

    async def add(self, unit: OrgUnit) -> None:
        self._check(unit)
        self.rows[unit.id] = replace(unit)

    async def get(self, unit_id: UUID) -> OrgUnit | None:
        unit = self.rows.get(unit_id)
        return None if unit is None else replace(unit)

    async def get_by_code(self, code: str) -> OrgUnit | None:
        return next((replace(u) for u in self.rows.values() if u.code == code), None)

    async def save(self, unit: OrgUnit, expected_version: int) -> None:
        current = self.rows.get(unit.id)
        if current is None or current.version != expected_version:
            raise StaleVersion("org unit", expected_version)
        self._check(unit)
        self.rows[unit.id] = replace(unit)

    def parents(self) -> dict[UUID, UUID | None]:
        return {u.id: u.parent_id for u in self.rows.values()}

    async def path(self, unit_id: UUID) -> Sequence[UUID]:
        return path_to_root(self.parents(), unit_id) if unit_id in self.rows else []

    async def height(self, unit_id: UUID) -> int:
        parents = self.parents()
        depths = [
            len(path) - 1 - path.index(unit_id)
            for path in (path_to_root(parents, u) for u in parents)
            if unit_id in path
        ]
        return max(depths, default=0)

    async def place(self, unit_id: UUID, parent_id: UUID | None) -> None:
        return None  # the parents are the closure here


class FakeOrgUnitQueries:
    async def list(
        self, *, code: str | None, parent_id: UUID | None, roots: bool, page: PageRequest
    ) -> Sequence[OrgUnit]:
        raise not_faked("org_unit_queries.list")

    async def subtree(self, unit_id: UUID) -> Sequence[tuple[OrgUnit, int]]:
        raise not_faked("org_unit_queries.subtree")


class FakePersonRepository:
    def __init__(self, units: FakeOrgUnitRepository) -> None:
        self.units = units
        self.rows: dict[str, Person] = {}

    def _check(self, person: Person) -> None:
        if person.org_unit_id is not None and person.org_unit_id not in self.units.rows:
            raise UnknownReference("org unit", person.org_unit_id, ("org_unit_id",))

    async def add(self, person: Person) -> None:
        if person.user_id in self.rows:
            raise Conflict(f"person {person.user_id!r} exists")
        self._check(person)
        self.rows[person.user_id] = replace(person)

    async def get(self, user_id: str) -> Person | None:
        person = self.rows.get(user_id)
        return None if person is None else replace(person)

    async def save(self, person: Person, expected_version: int) -> None:
        current = self.rows.get(person.user_id)
        if current is None or current.version != expected_version:
            raise StaleVersion("person", expected_version)
        self._check(person)
        self.rows[person.user_id] = replace(person)


class FakePersonQueries:
    async def list(
        self, *, org_unit_id: UUID | None, include_descendants: bool, page: PageRequest
    ) -> Sequence[Person]:
        raise not_faked("person_queries.list")

    async def members(self, org_unit_id: UUID) -> Sequence[str]:
        raise not_faked("person_queries.members")


class FakeProjectRepository:
    def __init__(self, units: FakeOrgUnitRepository, customers: Any) -> None:
        self.units = units
        self.customers = customers
        self.rows: dict[UUID, Project] = {}

    def _check(self, project: Project) -> None:
        if project.customer_id not in self.customers.rows:
            raise UnknownReference("customer", project.customer_id, ("customer_id",))
        if project.org_unit_id is not None and project.org_unit_id not in self.units.rows:
            raise UnknownReference("org unit", project.org_unit_id, ("org_unit_id",))
        if project.external_id is not None and any(
            p.external_id == project.external_id and p.id != project.id for p in self.rows.values()
        ):
            raise DuplicateExternalId("project", project.external_id)

    async def add(self, project: Project) -> None:
        self._check(project)
        self.rows[project.id] = replace(project)

    async def get(self, project_id: UUID) -> Project | None:
        project = self.rows.get(project_id)
        return None if project is None else replace(project)

    async def save(self, project: Project, expected_version: int) -> None:
        current = self.rows.get(project.id)
        if current is None or current.version != expected_version:
            raise StaleVersion("project", expected_version)
        self._check(project)
        self.rows[project.id] = replace(project, customer_id=current.customer_id)


class FakeProjectQueries:
    async def list(
        self,
        *,
        external_id: str | None,
        customer_id: UUID | None,
        org_unit_id: UUID | None,
        status: ProjectStatus | None,
        page: PageRequest,
    ) -> Sequence[Project]:
        raise not_faked("project_queries.list")


class FakeAssignments:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, UUID | None, datetime]] = []

    async def assign(
        self, kind: Literal["person", "project"], subject: str, unit: UUID | None, at: datetime
    ) -> None:
        self.rows.append((kind, subject, unit, at))


class FakeProjectMoney:
    """No contract of the fakes has a project's money in SQL terms: tested on PostgreSQL."""

    async def project_figures(
        self, project_id: UUID, today: date, unbilled_after_days: int = 7
    ) -> Sequence[ProjectFigures]:
        raise not_faked("project_money.project_figures")


class FakeSubjectUnits:
    async def unit_of(
        self, kind: Literal["contract", "invoice", "customer"], subject_id: UUID
    ) -> UUID | None:
        raise not_faked("subject_units.unit_of")

    async def manager_of(
        self, kind: Literal["contract", "invoice", "customer"], subject_id: UUID
    ) -> str | None:
        raise not_faked("subject_units.manager_of")

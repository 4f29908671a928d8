"""Ports of the organisation: org units (and the tree's closure), people, projects, their
unit assignments over time, and what the organisation reads of the other contexts (a
project's money, through a narrow protocol that the receivables' queries answer)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal, Protocol
from uuid import UUID

from app.domain.organisation.org_units import OrgUnit
from app.domain.organisation.people import Person
from app.domain.organisation.projects import Project, ProjectFigures, ProjectStatus
from app.services.pagination import PageRequest
from app.services.unit_of_work import UnitOfWork


class OrgUnitRepository(Protocol):
    """The tree: ``save`` writes every field but the id and ``created_at``; ``place`` keeps
    the closure table in step with ``parent_id`` (call it after ``add`` and after a move)."""

    async def lock_tree(self) -> None:
        """Serialise changes of the tree's shape until the unit of work ends (two moves at
        once could each pass the cycle check and make a cycle together)."""

    async def add(self, unit: OrgUnit) -> None:
        """Insert; raises Conflict when the code is taken, UnknownReference for a parent
        that does not exist."""

    async def get(self, unit_id: UUID) -> OrgUnit | None: ...

    async def get_by_code(self, code: str) -> OrgUnit | None: ...

    async def save(self, unit: OrgUnit, expected_version: int) -> None: ...

    async def path(self, unit_id: UUID) -> Sequence[UUID]:
        """The unit and its ancestors, root first (empty when unknown)."""

    async def height(self, unit_id: UUID) -> int:
        """How many levels the unit's subtree reaches below it (0: a leaf)."""

    async def place(self, unit_id: UUID, parent_id: UUID | None) -> None:
        """Put the unit (and its subtree) under ``parent_id`` in the closure table."""


class OrgUnitQueries(Protocol):
    async def list(
        self, *, code: str | None, parent_id: UUID | None, roots: bool, page: PageRequest
    ) -> Sequence[OrgUnit]: ...

    async def subtree(self, unit_id: UUID) -> Sequence[tuple[OrgUnit, int]]:
        """The unit and its descendants with their distance from it, parents before
        children (by distance, then code)."""


class PersonRepository(Protocol):
    async def add(self, person: Person) -> None: ...

    async def get(self, user_id: str) -> Person | None: ...

    async def save(self, person: Person, expected_version: int) -> None: ...


class PersonQueries(Protocol):
    async def list(
        self, *, org_unit_id: UUID | None, include_descendants: bool, page: PageRequest
    ) -> Sequence[Person]: ...

    async def members(self, org_unit_id: UUID) -> Sequence[str]:
        """The user ids placed in the unit or its descendants (a team)."""


class ProjectRepository(Protocol):
    async def add(self, project: Project) -> None:
        """Insert; DuplicateExternalId, UnknownReference (customer, org unit)."""

    async def get(self, project_id: UUID) -> Project | None: ...

    async def save(self, project: Project, expected_version: int) -> None: ...


class ProjectQueries(Protocol):
    async def list(
        self,
        *,
        external_id: str | None,
        customer_id: UUID | None,
        org_unit_id: UUID | None,
        status: ProjectStatus | None,
        page: PageRequest,
    ) -> Sequence[Project]:
        """``org_unit_id`` includes the unit's descendants."""


class Assignments(Protocol):
    """Which unit a person or a project sat in over time (reports as of a past day)."""

    async def assign(
        self, kind: Literal["person", "project"], subject: str, unit: UUID | None, at: datetime
    ) -> None:
        """End the current assignment at ``at`` and start one in ``unit``."""


class ProjectMoney(Protocol):
    """A project's money: the receivables' queries answer it."""

    async def project_figures(
        self, project_id: UUID, today: date, unbilled_after_days: int = 7
    ) -> Sequence[ProjectFigures]:
        """Per currency of its contracts, in alphabetical order; unbilled: installments due
        ``unbilled_after_days`` before today or earlier, not fully invoiced."""


class SubjectUnits(Protocol):
    """Who manages what: for approvals that need the manager of the unit owning a subject."""

    async def unit_of(
        self, kind: Literal["contract", "invoice", "customer"], subject_id: UUID
    ) -> UUID | None:
        """A contract's unit: its project's unit, else its owner's; an invoice's: its
        contract's; a customer's: the one unit its projects and contracts point to, if
        exactly one (None otherwise)."""

    async def manager_of(
        self, kind: Literal["contract", "invoice", "customer"], subject_id: UUID
    ) -> str | None:
        """The manager of the unit of ``unit_of``, or of its nearest ancestor that has one."""


class OrganisationUnitOfWork(UnitOfWork, Protocol):
    @property
    def org_units(self) -> OrgUnitRepository: ...

    @property
    def org_unit_queries(self) -> OrgUnitQueries: ...

    @property
    def people(self) -> PersonRepository: ...

    @property
    def person_queries(self) -> PersonQueries: ...

    @property
    def projects(self) -> ProjectRepository: ...

    @property
    def project_queries(self) -> ProjectQueries: ...

    @property
    def assignments(self) -> Assignments: ...

    @property
    def project_money(self) -> ProjectMoney: ...

    @property
    def subject_units(self) -> SubjectUnits: ...

"""Projects in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from app.adapters.db.connection import Executor
from app.adapters.db.errors import translate_integrity_error
from app.adapters.db.organisation.models import org_unit_closure, projects
from app.domain.errors import DuplicateExternalId, StaleVersion, UnknownReference
from app.domain.organisation.projects import Project, ProjectStatus
from app.services.pagination import PageRequest


def project_row(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "external_id": project.external_id,
        "name": project.name,
        "customer_id": project.customer_id,
        "org_unit_id": project.org_unit_id,
        "manager": project.manager,
        "status": project.status.value,
        "starts_on": project.starts_on,
        "ends_on": project.ends_on,
        "version": project.version,
        "created_at": project.created_at,
        "updated_at": project.updated_at,
    }


def project_from_row(row: RowMapping) -> Project:
    return Project(
        id=row["id"],
        external_id=row["external_id"],
        name=row["name"],
        customer_id=row["customer_id"],
        org_unit_id=row["org_unit_id"],
        manager=row["manager"],
        status=ProjectStatus(row["status"]),
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _translate(exc: IntegrityError, project: Project) -> Exception:
    mapping = {
        "uq_projects_external_id": lambda: DuplicateExternalId(
            "project", project.external_id or ""
        ),
        "fk_projects_customer_id_customers": lambda: UnknownReference(
            "customer", project.customer_id, ("customer_id",)
        ),
        "fk_projects_org_unit_id_org_units": lambda: UnknownReference(
            "org unit", project.org_unit_id, ("org_unit_id",)
        ),
    }
    return translate_integrity_error(exc, mapping) or exc


class SqlProjectRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, project: Project) -> None:
        try:
            await self.conn.execute(insert(projects).values(project_row(project)))
        except IntegrityError as exc:
            raise _translate(exc, project) from exc

    async def get(self, project_id: UUID) -> Project | None:
        query = select(projects).where(projects.c.id == project_id)
        row = (await self.conn.execute(query)).mappings().first()
        return project_from_row(row) if row else None

    async def save(self, project: Project, expected_version: int) -> None:
        values = project_row(project)
        del values["id"], values["created_at"], values["customer_id"]
        statement = (
            update(projects)
            .where(projects.c.id == project.id, projects.c.version == expected_version)
            .values(values)
            .returning(projects.c.version)
        )
        try:
            written = (await self.conn.execute(statement)).scalar_one_or_none()
        except IntegrityError as exc:
            raise _translate(exc, project) from exc
        if written is None:
            raise StaleVersion("project", expected_version)


class SqlProjectQueries:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def list(
        self,
        *,
        external_id: str | None,
        customer_id: UUID | None,
        org_unit_id: UUID | None,
        status: ProjectStatus | None,
        page: PageRequest,
    ) -> Sequence[Project]:
        query = select(projects).order_by(projects.c.id).limit(page.fetch)
        if external_id is not None:
            query = query.where(projects.c.external_id == external_id)
        if customer_id is not None:
            query = query.where(projects.c.customer_id == customer_id)
        if org_unit_id is not None:
            units = select(org_unit_closure.c.descendant_id).where(
                org_unit_closure.c.ancestor_id == org_unit_id
            )
            query = query.where(projects.c.org_unit_id.in_(units))
        if status is not None:
            query = query.where(projects.c.status == status.value)
        if page.after:
            query = query.where(projects.c.id > page.after_uuid())
        return [project_from_row(r) for r in (await self.conn.execute(query)).mappings()]

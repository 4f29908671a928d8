"""Project use cases: create, change, read with its figures, list.

A change of unit starts a new assignment (``project_assignments``); a change of status to
``completed`` emits ``project.completed`` besides ``project.updated``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from app.domain.errors import NotFound, StaleVersion, UnknownReference
from app.domain.events import EventType
from app.domain.organisation.projects import (
    Project,
    ProjectFigures,
    ProjectStatus,
    change_project,
)
from app.services.context import Context
from app.services.documents import changes_json
from app.services.organisation.documents import project_detail_document
from app.services.organisation.ports import OrganisationUnitOfWork
from app.services.pagination import Page, PageRequest, make_page


@dataclass(frozen=True, slots=True)
class NewProject:
    name: str
    customer_id: UUID
    external_id: str | None = None
    org_unit_id: UUID | None = None
    manager: str | None = None
    status: ProjectStatus = ProjectStatus.ACTIVE
    starts_on: date | None = None
    ends_on: date | None = None


def subject(project_id: UUID) -> str:
    return f"projects/{project_id}"


async def _check_unit(uow: OrganisationUnitOfWork, unit_id: UUID | None) -> None:
    if unit_id is not None and await uow.org_units.get(unit_id) is None:
        raise UnknownReference("org unit", unit_id, ("org_unit_id",))


async def create_project(uow: OrganisationUnitOfWork, ctx: Context, cmd: NewProject) -> Project:
    """Create a project (an unknown customer or unit is 422); emits ``project.created``."""
    await _check_unit(uow, cmd.org_unit_id)
    now = ctx.clock.now()
    project = Project(
        id=ctx.ids.new_id(),
        name=cmd.name.strip(),
        customer_id=cmd.customer_id,
        external_id=cmd.external_id,
        org_unit_id=cmd.org_unit_id,
        manager=cmd.manager,
        status=cmd.status,
        starts_on=cmd.starts_on,
        ends_on=cmd.ends_on,
        created_at=now,
        updated_at=now,
    )
    await uow.projects.add(project)
    await uow.assignments.assign("project", str(project.id), project.org_unit_id, now)
    document = project_detail_document(project, [])
    uow.add_event(ctx.event(EventType.PROJECT_CREATED, subject(project.id), {"object": document}))
    return project


async def current_project(
    uow: OrganisationUnitOfWork, project_id: UUID, expected_version: int | None = None
) -> Project:
    project = await uow.projects.get(project_id)
    if project is None:
        raise NotFound("project", project_id)
    if expected_version is not None and expected_version != project.version:
        raise StaleVersion("project", expected_version, project.version)
    return project


async def update_project(
    uow: OrganisationUnitOfWork, ctx: Context, project: Project, values: dict[str, Any]
) -> Project:
    if "org_unit_id" in values:
        await _check_unit(uow, values["org_unit_id"])
    now = ctx.clock.now()
    updated, changed = change_project(project, values, now)
    if not changed:
        return project
    await uow.projects.save(updated, expected_version=project.version)
    if "org_unit_id" in changed:
        await uow.assignments.assign("project", str(project.id), updated.org_unit_id, now)
    figures = await uow.project_money.project_figures(
        project.id, ctx.clock.today(), ctx.unbilled_after_days
    )
    document = project_detail_document(updated, figures)
    data = {"object": document, "changes": changes_json(changed)}
    uow.add_event(ctx.event(EventType.PROJECT_UPDATED, subject(project.id), data))
    if "status" in changed and updated.status is ProjectStatus.COMPLETED:
        uow.add_event(
            ctx.event(EventType.PROJECT_COMPLETED, subject(project.id), {"object": document})
        )
    return updated


@dataclass(frozen=True, slots=True)
class ProjectDetail:
    project: Project
    figures: list[ProjectFigures]


async def get_project(
    uow: OrganisationUnitOfWork, project_id: UUID, today: date, unbilled_after_days: int = 7
) -> ProjectDetail:
    project = await current_project(uow, project_id)
    figures = await uow.project_money.project_figures(project_id, today, unbilled_after_days)
    return ProjectDetail(project, list(figures))


async def list_projects(
    uow: OrganisationUnitOfWork,
    *,
    external_id: str | None,
    customer_id: UUID | None,
    org_unit_id: UUID | None,
    status: ProjectStatus | None,
    page: PageRequest,
) -> Page[Project]:
    rows = await uow.project_queries.list(
        external_id=external_id,
        customer_id=customer_id,
        org_unit_id=org_unit_id,
        status=status,
        page=page,
    )
    return make_page(rows, page, key=lambda p: (str(p.id),))

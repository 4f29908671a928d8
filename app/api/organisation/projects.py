"""/v1/projects"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response, status

from app.api.arrivals import ArrivalsDep
from app.api.base import resource_router
from app.api.deps import IfMatch, PlatformDep, Reader, UowDep, WriteContext, etag
from app.api.errors import problem_responses
from app.api.organisation.schemas.organisation import (
    ProjectCreate,
    ProjectDetailOut,
    ProjectOut,
    ProjectPatch,
)
from app.api.schemas import PageOut
from app.domain.organisation.projects import ProjectStatus
from app.services.organisation import projects as use_cases
from app.services.organisation.documents import (
    ProjectDetailDocument,
    project_detail_document,
    project_document,
)
from app.services.pagination import page_request

router = resource_router("/v1/projects", "organisation")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a project",
    response_model=ProjectDetailOut,
    responses=problem_responses(409, 422),
)
async def create_project(
    body: ProjectCreate, uow: UowDep, ctx: WriteContext, response: Response, arrivals: ArrivalsDep
) -> ProjectDetailDocument:
    cmd = use_cases.NewProject(**body.model_dump())
    async with uow:
        project = await use_cases.create_project(uow, ctx, cmd)
        await uow.commit()
    await arrivals("project", project.external_id)
    response.headers["Location"] = f"/v1/projects/{project.id}"
    response.headers["ETag"] = etag(project.version)
    return project_detail_document(project, [])


@router.get("", summary="List projects", response_model=PageOut[ProjectOut])
async def list_projects(
    uow: UowDep,
    _: Reader,
    external_id: Annotated[str | None, Query(max_length=100)] = None,
    customer_id: UUID | None = None,
    org_unit_id: Annotated[
        UUID | None, Query(description="Projects of this unit or its descendants")
    ] = None,
    status: ProjectStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    async with uow:
        page = await use_cases.list_projects(
            uow,
            external_id=external_id,
            customer_id=customer_id,
            org_unit_id=org_unit_id,
            status=status,
            page=page_request(limit, cursor),
        )
    return {"data": [project_document(p) for p in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/{project_id}",
    summary="Get a project with its figures per currency",
    response_model=ProjectDetailOut,
    responses=problem_responses(404),
)
async def get_project(
    project_id: UUID, uow: UowDep, platform: PlatformDep, _: Reader, response: Response
) -> ProjectDetailDocument:
    async with uow:
        detail = await use_cases.get_project(
            uow, project_id, platform.clock.today(), platform.unbilled_after_days
        )
    response.headers["ETag"] = etag(detail.project.version)
    return project_detail_document(detail.project, detail.figures)


@router.patch(
    "/{project_id}",
    summary="Change a project",
    response_model=ProjectDetailOut,
    responses=problem_responses(404, 409, 412, 422),
)
async def update_project(
    project_id: UUID,
    body: ProjectPatch,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
    arrivals: ArrivalsDep,
) -> ProjectDetailDocument:
    values = body.model_dump(exclude_unset=True)
    async with uow:
        current = await use_cases.current_project(uow, project_id, expected_version)
        project = await use_cases.update_project(uow, ctx, current, values)
        await uow.commit()
    if "external_id" in values:
        await arrivals("project", project.external_id)
    async with uow:
        detail = await use_cases.get_project(
            uow, project.id, ctx.clock.today(), ctx.unbilled_after_days
        )
    response.headers["ETag"] = etag(project.version)
    return project_detail_document(detail.project, detail.figures)

"""/v1/org-units and /v1/people"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import Query, Response, status

from app.api.arrivals import ArrivalsDep
from app.api.base import resource_router
from app.api.deps import IfMatch, Reader, UowDep, WriteContext, etag
from app.api.errors import problem_responses
from app.api.organisation.schemas.organisation import (
    OrgTreeNodeOut,
    OrgUnitCreate,
    OrgUnitOut,
    OrgUnitPatch,
    PersonOut,
    PersonPut,
)
from app.api.schemas import PageOut
from app.services.organisation import org_units as use_cases
from app.services.organisation import people as people_use_cases
from app.services.organisation.documents import (
    OrgTreeNodeDocument,
    OrgUnitDocument,
    PersonDocument,
    org_unit_document,
    person_document,
    tree_document,
)
from app.services.pagination import page_request

router = resource_router("/v1/org-units", "organisation")
people_router = resource_router("/v1/people", "organisation")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an org unit",
    response_model=OrgUnitOut,
    responses=problem_responses(409, 422),
)
async def create_org_unit(
    body: OrgUnitCreate, uow: UowDep, ctx: WriteContext, response: Response, arrivals: ArrivalsDep
) -> OrgUnitDocument:
    cmd = use_cases.NewOrgUnit(body.code, body.name, body.parent_id, body.manager)
    async with uow:
        unit = await use_cases.create_org_unit(uow, ctx, cmd)
        await uow.commit()
    await arrivals("org_unit", unit.code)
    response.headers["Location"] = f"/v1/org-units/{unit.id}"
    response.headers["ETag"] = etag(unit.version)
    return org_unit_document(unit)


@router.get("", summary="List org units", response_model=PageOut[OrgUnitOut])
async def list_org_units(
    uow: UowDep,
    _: Reader,
    code: Annotated[str | None, Query(max_length=100)] = None,
    parent_id: UUID | None = None,
    roots: Annotated[bool, Query(description="Only units without a parent")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    async with uow:
        page = await use_cases.list_org_units(
            uow, code=code, parent_id=parent_id, roots=roots, page=page_request(limit, cursor)
        )
    return {"data": [org_unit_document(u) for u in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/{org_unit_id}",
    summary="Get an org unit",
    response_model=OrgUnitOut,
    responses=problem_responses(404),
)
async def get_org_unit(
    org_unit_id: UUID, uow: UowDep, _: Reader, response: Response
) -> OrgUnitDocument:
    async with uow:
        unit = await use_cases.get_org_unit(uow, org_unit_id)
    response.headers["ETag"] = etag(unit.version)
    return org_unit_document(unit)


@router.get(
    "/{org_unit_id}/tree",
    summary="An org unit's subtree, nested",
    response_model=OrgTreeNodeOut,
    responses=problem_responses(404),
)
async def get_org_unit_tree(org_unit_id: UUID, uow: UowDep, _: Reader) -> OrgTreeNodeDocument:
    async with uow:
        nodes = await use_cases.get_org_unit_tree(uow, org_unit_id)
    return tree_document(nodes)


@router.patch(
    "/{org_unit_id}",
    summary="Change or move an org unit",
    description="A new `parent_id` moves the unit with its subtree: a cycle is 409, a tree "
    "deeper than 8 levels 422.",
    response_model=OrgUnitOut,
    responses=problem_responses(404, 409, 412, 422),
)
async def update_org_unit(
    org_unit_id: UUID,
    body: OrgUnitPatch,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
    arrivals: ArrivalsDep,
) -> OrgUnitDocument:
    values = body.model_dump(exclude_unset=True)
    async with uow:
        current = await use_cases.current_org_unit(uow, org_unit_id, expected_version)
        unit = await use_cases.update_org_unit(uow, ctx, current, values)
        await uow.commit()
    if "code" in values:
        await arrivals("org_unit", unit.code)
    response.headers["ETag"] = etag(unit.version)
    return org_unit_document(unit)


@people_router.put(
    "/{user_id}",
    summary="Create or change a person (a directory user id placed in an org unit)",
    response_model=PersonOut,
    responses={201: {"model": PersonOut}, **problem_responses(404, 412, 422)},
)
async def put_person(
    user_id: str,
    body: PersonPut,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
    arrivals: ArrivalsDep,
) -> PersonDocument:
    values = people_use_cases.PersonValues(body.name, body.org_unit_id, body.active)
    async with uow:
        person, created = await people_use_cases.put_person(
            uow, ctx, user_id, values, expected_version
        )
        await uow.commit()
    await arrivals("person", person.user_id)
    if created:
        response.status_code = status.HTTP_201_CREATED
        # A header is Latin-1: a directory id in Chinese travels percent-encoded.
        response.headers["Location"] = f"/v1/people/{quote(user_id, safe='')}"
    response.headers["ETag"] = etag(person.version)
    return person_document(person)


@people_router.get(
    "/{user_id}",
    summary="Get a person",
    response_model=PersonOut,
    responses=problem_responses(404),
)
async def get_person(user_id: str, uow: UowDep, _: Reader, response: Response) -> PersonDocument:
    async with uow:
        person = await people_use_cases.get_person(uow, user_id)
    response.headers["ETag"] = etag(person.version)
    return person_document(person)


@people_router.get("", summary="List people", response_model=PageOut[PersonOut])
async def list_people(
    uow: UowDep,
    _: Reader,
    org_unit_id: UUID | None = None,
    include_descendants: Annotated[
        bool, Query(description="With org_unit_id: people of its descendants too")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    async with uow:
        page = await people_use_cases.list_people(
            uow,
            org_unit_id=org_unit_id,
            include_descendants=include_descendants,
            page=page_request(limit, cursor),
        )
    return {"data": [person_document(p) for p in page.items], "next_cursor": page.next_cursor}

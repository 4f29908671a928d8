"""/v1/targets: collection targets with their progress and tasks."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response, status

from app.api.base import resource_router
from app.api.collection.schemas.targets import (
    TargetCreate,
    TargetNodeOut,
    TargetOut,
    TargetPatch,
    TaskOut,
)
from app.api.deps import ClockDep, IfMatch, PlatformDep, Reader, UowDep, WriteContext, etag
from app.api.errors import problem_responses
from app.api.gate import GATED_RESPONSES, gated
from app.api.schemas import BusinessDate, PageOut
from app.domain.collection.targets import TargetScope, parse_scope_id
from app.services.collection import targets as use_cases
from app.services.collection.documents import TargetDocument, breakdown_document, task_document
from app.services.collection.ports import TargetFilter, TaskFilter
from app.services.collection.tasks import list_tasks
from app.services.documents import jsonable
from app.services.pagination import page_request

router = resource_router("/v1/targets", "collection")

PROGRESS = (
    "Progress is computed on each read, in the target's currency, from payments received in "
    "the period within the scope (for a contract or owner scope, what was allocated to its "
    "invoices), beside what was expected by today: the plan's due dates in the period, or a "
    "straight line without them."
)


def _answer(view: use_cases.TargetView, response: Response) -> TargetDocument:
    response.headers["ETag"] = etag(view.target.version)
    return view.document()


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a collection target",
    description=PROGRESS,
    response_model=TargetOut,
)
async def create_target(
    body: TargetCreate, uow: UowDep, ctx: WriteContext, response: Response
) -> TargetDocument:
    async with uow:
        view = await use_cases.create_target(
            uow,
            ctx,
            use_cases.NewTarget(
                name=body.name,
                amount=body.amount,
                currency=body.currency,
                period_start=body.period_start,
                period_end=body.period_end,
                scope=body.scope,
                scope_id=parse_scope_id(body.scope, body.scope_id),
                owner=body.owner,
                description=body.description,
                parent_id=body.parent_id,
            ),
        )
        await uow.commit()
    response.headers["Location"] = f"/v1/targets/{view.target.id}"
    return _answer(view, response)


def _scope_id(scope: TargetScope | None, value: str | None) -> UUID | str | None:
    if value is None or scope is TargetScope.OWNER:
        return value
    try:
        return UUID(value)
    except ValueError:
        return value


@router.get("", summary="List targets with their progress", response_model=PageOut[TargetOut])
async def list_targets(
    uow: UowDep,
    clock: ClockDep,
    _: Reader,
    scope: TargetScope | None = None,
    scope_id: Annotated[str | None, Query(max_length=200)] = None,
    owner: Annotated[str | None, Query(max_length=200)] = None,
    active_on: Annotated[BusinessDate | None, Query(description="Period contains this day")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    filters = TargetFilter(
        scope=scope, scope_id=_scope_id(scope, scope_id), owner=owner, active_on=active_on
    )
    async with uow:
        page = await use_cases.list_targets(uow, clock, filters, page_request(limit, cursor))
    return {"data": [v.document() for v in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/{target_id}/breakdown",
    summary="A target's breakdown: it and its parts, each with its progress",
    description="The tree of parts below the target (`parent_id`), each node with its "
    "progress as `GET /v1/targets/{id}` computes it, `children_amount`, `unassigned_amount` "
    "(its amount less its parts') and `children_collected`.",
    response_model=TargetNodeOut,
    responses=problem_responses(404),
)
async def get_target_breakdown(
    target_id: UUID, uow: UowDep, clock: ClockDep, _: Reader
) -> dict[str, Any]:
    async with uow:
        tree = await use_cases.target_breakdown(uow, clock, target_id)
    return breakdown_document(tree)


@router.get(
    "/{target_id}",
    summary="Get a target with its progress and its tasks' completion",
    description=PROGRESS,
    response_model=TargetOut,
    responses=problem_responses(404),
)
async def get_target(
    target_id: UUID, uow: UowDep, clock: ClockDep, _: Reader, response: Response
) -> TargetDocument:
    async with uow:
        view = await use_cases.get_target(uow, clock, target_id)
    return _answer(view, response)


@router.patch(
    "/{target_id}",
    summary="Change a target's name, amount, period, owner or description",
    description="202 with an approval request when the approval policy asks for one.",
    response_model=TargetOut,
    responses={**problem_responses(404, 412), **GATED_RESPONSES},
)
async def update_target(
    target_id: UUID,
    body: TargetPatch,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
    platform: PlatformDep,
) -> TargetDocument | Response:
    values = body.model_dump(exclude_unset=True)
    payload = {
        "target_id": str(target_id),
        "values": jsonable(values),
        "expected_version": expected_version,
    }
    async with uow:
        answer = await gated(platform, uow, ctx, "target.update", payload)
        if answer is not None:
            return answer
        view = await use_cases.update_target(uow, ctx, target_id, values, expected_version)
        await uow.commit()
    return _answer(view, response)


@router.get(
    "/{target_id}/tasks",
    summary="List a target's tasks",
    response_model=PageOut[TaskOut],
    responses=problem_responses(404),
)
async def list_target_tasks(
    target_id: UUID,
    uow: UowDep,
    clock: ClockDep,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    async with uow:
        await use_cases.get_target(uow, clock, target_id)  # 404 for an unknown target
        page = await list_tasks(
            uow, clock, TaskFilter(target_id=target_id), page_request(limit, cursor)
        )
    today = clock.today()
    return {"data": [task_document(t, today) for t in page.items], "next_cursor": page.next_cursor}

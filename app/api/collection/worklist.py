"""/v1/worklist: what a collector should work on now, ranked by an explainable score."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Path, Query, Response, status

from app.api.base import resource_router
from app.api.collection.schemas.targets import TaskOut
from app.api.collection.schemas.worklist import WorklistAccept, WorklistPageOut
from app.api.deps import PlatformDep, Reader, UowDep, WriteContext, etag
from app.api.errors import problem_responses
from app.services.collection import worklist as use_cases
from app.services.collection.documents import TaskDocument, task_document
from app.services.pagination import page_request

router = resource_router("/v1/worklist", "collection")

Assignee = Annotated[
    str,
    Query(
        min_length=1,
        max_length=200,
        description="Whose worklist: a user id, as in contracts' owner and tasks' assignee",
    ),
]


@router.get(
    "",
    summary="An assignee's worklist, highest score first",
    description=(
        "Open invoices, overdue installments not yet invoiced, and customers with a promise "
        "due today or an active flag, that the assignee owns through a contract's owner, an "
        "open task's assignee or an active risk flag's owner. Disputed invoices and invoices "
        "on hold are left out. Each item's `reasons` add up to its `score`; the weights are "
        "`HUIKUAN_WORKLIST_WEIGHTS`. Ordered by score, then item id."
    ),
    response_model=WorklistPageOut,
)
async def get_worklist(
    uow: UowDep,
    platform: PlatformDep,
    _: Reader,
    assignee: Assignee | None = None,
    org_unit_id: Annotated[
        UUID | None,
        Query(
            description="A manager's team view instead of `assignee`: the items of everyone "
            "placed in this unit or its descendants, each with its `assignee`"
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    async with uow:
        page = await use_cases.worklist_for(
            uow,
            platform.clock,
            platform.worklist_weights,
            assignee,
            page_request(limit, cursor),
            org_unit_id,
        )
    return {
        "data": [use_cases.worklist_item_document(item) for item in page.items],
        "next_cursor": page.next_cursor,
        "assignee": None if assignee is None else assignee.strip(),
        "org_unit_id": None if org_unit_id is None else str(org_unit_id),
        "as_of": platform.clock.today().isoformat(),
    }


@router.post(
    "/{item}/accept",
    status_code=status.HTTP_201_CREATED,
    summary="Accept an item's next action: open its task",
    description=(
        "Creates the task the item suggests: its kind from `next_action`, due today, for the "
        "worklist's assignee, linked to the item, priority from the score; the body may set "
        "any of these otherwise. 404 for an id that names no invoice, installment or "
        "customer; 409 when the item is not on the assignee's worklist today (paid, "
        "disputed, on hold, nothing to act on, or not theirs)."
    ),
    response_model=TaskOut,
    responses=problem_responses(404, 409),
)
async def accept_worklist_item(
    item: Annotated[str, Path(max_length=100, description="The item's id, e.g. `invoice:<uuid>`")],
    assignee: Assignee,
    uow: UowDep,
    ctx: WriteContext,
    platform: PlatformDep,
    response: Response,
    body: WorklistAccept | None = None,
) -> TaskDocument:
    wanted = body or WorklistAccept()
    async with uow:
        task, _ = await use_cases.accept_item(
            uow,
            ctx,
            platform.worklist_weights,
            assignee,
            item,
            use_cases.Acceptance(**wanted.model_dump()),
        )
        await uow.commit()
    response.headers["Location"] = f"/v1/tasks/{task.id}"
    response.headers["ETag"] = etag(task.version)
    return task_document(task, ctx.clock.today())

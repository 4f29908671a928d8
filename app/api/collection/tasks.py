"""/v1/tasks: collection tasks."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response, status

from app.api.base import resource_router
from app.api.collection.schemas.targets import TaskCreate, TaskOut, TaskPatch
from app.api.deps import ClockDep, IfMatch, Reader, UowDep, WriteContext, etag
from app.api.errors import problem_responses
from app.api.schemas import BusinessDate, PageOut
from app.domain.collection.tasks import Task, TaskLinks, TaskStatus
from app.services.collection import tasks as use_cases
from app.services.collection.documents import TaskDocument, task_document
from app.services.collection.ports import TaskFilter
from app.services.context import Context
from app.services.pagination import page_request

router = resource_router("/v1/tasks", "collection")


def _answer(task: Task, ctx: Context, response: Response) -> TaskDocument:
    response.headers["ETag"] = etag(task.version)
    return task_document(task, ctx.clock.today())


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a task",
    description="A task linked to an invoice or contract is linked to its customer too.",
    response_model=TaskOut,
)
async def create_task(
    body: TaskCreate, uow: UowDep, ctx: WriteContext, response: Response
) -> TaskDocument:
    async with uow:
        task = await use_cases.create_task(
            uow,
            ctx,
            use_cases.NewTask(
                title=body.title,
                kind=body.kind,
                assignee=body.assignee,
                due_date=body.due_date,
                priority=body.priority,
                links=TaskLinks(
                    target_id=body.target_id,
                    customer_id=body.customer_id,
                    contract_id=body.contract_id,
                    invoice_id=body.invoice_id,
                ),
                description=body.description,
            ),
        )
        await uow.commit()
    response.headers["Location"] = f"/v1/tasks/{task.id}"
    return _answer(task, ctx, response)


@router.get("", summary="List tasks", response_model=PageOut[TaskOut])
async def list_tasks(
    uow: UowDep,
    clock: ClockDep,
    _: Reader,
    assignee: Annotated[str | None, Query(max_length=200)] = None,
    status: TaskStatus | None = None,
    overdue: Annotated[bool | None, Query(description="Open and past its due date")] = None,
    due_before: Annotated[BusinessDate | None, Query(description="Due before this day")] = None,
    target_id: UUID | None = None,
    customer_id: UUID | None = None,
    contract_id: UUID | None = None,
    invoice_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    filters = TaskFilter(
        assignee=assignee,
        status=status,
        overdue=overdue,
        due_before=due_before,
        target_id=target_id,
        customer_id=customer_id,
        contract_id=contract_id,
        invoice_id=invoice_id,
    )
    async with uow:
        page = await use_cases.list_tasks(uow, clock, filters, page_request(limit, cursor))
    today = clock.today()
    return {"data": [task_document(t, today) for t in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/{task_id}",
    summary="Get a task",
    response_model=TaskOut,
    responses=problem_responses(404),
)
async def get_task(
    task_id: UUID, uow: UowDep, clock: ClockDep, _: Reader, response: Response
) -> TaskDocument:
    async with uow:
        task = await use_cases.get_task(uow, task_id)
    response.headers["ETag"] = etag(task.version)
    return task_document(task, clock.today())


@router.patch(
    "/{task_id}",
    summary="Change, reassign, start, complete or cancel a task",
    description=(
        "`status`: todo -> in_progress -> done, or cancelled from either; anything else is "
        "409. A done or cancelled task no longer changes."
    ),
    response_model=TaskOut,
    responses=problem_responses(404, 409, 412),
)
async def update_task(
    task_id: UUID,
    body: TaskPatch,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
) -> TaskDocument:
    values = body.model_dump(exclude_unset=True)
    async with uow:
        task = await use_cases.update_task(uow, ctx, task_id, values, expected_version)
        await uow.commit()
    return _answer(task, ctx, response)

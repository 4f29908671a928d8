"""Task use cases: create (also from other use cases, such as dunning), change, read, list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from app.domain.collection.tasks import (
    Task,
    TaskKind,
    TaskLinks,
    TaskPriority,
    TaskStatus,
    change_task,
)
from app.domain.errors import NotFound, StaleVersion, UnknownReference, ValidationFailed
from app.domain.events import EventType
from app.services.collection.documents import task_document
from app.services.collection.ports import CollectionUnitOfWork, TaskFilter
from app.services.context import Clock, Context
from app.services.documents import changes_json
from app.services.pagination import Page, PageRequest, make_page


@dataclass(frozen=True, slots=True)
class NewTask:
    title: str
    kind: TaskKind
    assignee: str | None = None
    due_date: date | None = None
    priority: TaskPriority = TaskPriority.NORMAL
    links: TaskLinks = field(default_factory=TaskLinks)
    description: str | None = None


def subject(task_id: UUID) -> str:
    return f"tasks/{task_id}"


def _same(given: UUID | None, found: UUID | None, what: str, loc: str) -> UUID | None:
    if given is not None and found is not None and given != found:
        raise ValidationFailed(f"the {what} belongs to another {loc.removesuffix('_id')}", (loc,))
    return given or found


async def complete_links(uow: CollectionUnitOfWork, links: TaskLinks) -> TaskLinks:
    """Check that every linked record exists (422 otherwise) and fill in the customer (and
    contract) of a linked invoice or contract, so that filters by customer find the task."""
    customer_id, contract_id = links.customer_id, links.contract_id
    if links.target_id is not None and await uow.targets.get(links.target_id) is None:
        raise UnknownReference("target", links.target_id, ("target_id",))
    if links.invoice_id is not None:
        invoice = await uow.invoices.get(links.invoice_id)
        if invoice is None:
            raise UnknownReference("invoice", links.invoice_id, ("invoice_id",))
        customer_id = _same(customer_id, invoice.customer_id, "invoice", "customer_id")
        contract_id = _same(contract_id, invoice.contract_id, "invoice", "contract_id")
    if contract_id is not None:
        contract = await uow.contracts.get(contract_id)
        if contract is None:
            raise UnknownReference("contract", contract_id, ("contract_id",))
        customer_id = _same(customer_id, contract.customer_id, "contract", "customer_id")
    if customer_id is not None and await uow.customers.get(customer_id) is None:
        raise UnknownReference("customer", customer_id, ("customer_id",))
    return TaskLinks(links.target_id, customer_id, contract_id, links.invoice_id)


async def create_task(uow: CollectionUnitOfWork, ctx: Context, cmd: NewTask) -> Task:
    """Create a task and emit ``task.created``."""
    now = ctx.clock.now()
    task = Task(
        id=ctx.ids.new_id(),
        title=cmd.title.strip(),
        kind=cmd.kind,
        priority=cmd.priority,
        assignee=(cmd.assignee or "").strip() or None,
        due_date=cmd.due_date,
        links=await complete_links(uow, cmd.links),
        description=(cmd.description or "").strip() or None,
        created_at=now,
        updated_at=now,
    )
    await uow.tasks.add(task)
    document = task_document(task, ctx.clock.today())
    uow.add_event(ctx.event(EventType.TASK_CREATED, subject(task.id), {"object": document}))
    return task


def _event_types(changed: dict[str, tuple[Any, Any]]) -> list[EventType]:
    """``task.assigned`` for a new assignee, ``task.completed`` for done; any other change
    is ``task.updated``. Each carries all the changes."""
    types: list[EventType] = []
    if "assignee" in changed:
        types.append(EventType.TASK_ASSIGNED)
    if "status" in changed and changed["status"][1] is TaskStatus.DONE:
        types.append(EventType.TASK_COMPLETED)
    return types or [EventType.TASK_UPDATED]


async def update_task(
    uow: CollectionUnitOfWork,
    ctx: Context,
    task_id: UUID,
    values: dict[str, Any],
    expected_version: int | None = None,
) -> Task:
    """Change a task, status included (todo -> in_progress -> done, or cancelled: else 409)."""
    if "assignee" in values and values["assignee"] is not None:
        values = {**values, "assignee": values["assignee"].strip() or None}
    task = await uow.tasks.get(task_id)
    if task is None:
        raise NotFound("task", task_id)
    if expected_version is not None and expected_version != task.version:
        raise StaleVersion("task", expected_version, task.version)
    updated, changed = change_task(task, values, ctx.clock.now())
    if not changed:
        return task
    await uow.tasks.save(updated, expected_version=task.version)
    data = {
        "object": task_document(updated, ctx.clock.today()),
        "changes": changes_json(changed),
    }
    for type_ in _event_types(changed):
        uow.add_event(ctx.event(type_, subject(task_id), data))
    return updated


async def get_task(uow: CollectionUnitOfWork, task_id: UUID) -> Task:
    task = await uow.tasks.get(task_id)
    if task is None:
        raise NotFound("task", task_id)
    return task


async def list_tasks(
    uow: CollectionUnitOfWork, clock: Clock, filters: TaskFilter, page: PageRequest
) -> Page[Task]:
    rows = await uow.task_queries.list(filters, clock.today(), page)
    return make_page(rows, page, key=lambda t: (str(t.id),))

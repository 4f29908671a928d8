"""Worklist use cases: an assignee's ranked worklist, and accepting an item's next action,
which opens the task for it (so the worklist and the tasks stay one flow)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypedDict
from uuid import UUID

from app.domain.collection.tasks import MAX_ASSIGNEE_LENGTH, Task, TaskKind, TaskLinks, TaskPriority
from app.domain.collection.worklist import (
    TASK_KINDS,
    ItemId,
    ItemKind,
    ReasonValue,
    WorklistItem,
    explain,
    rank,
    task_title,
)
from app.domain.collection.worklist_weights import Weights
from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.services.collection.dunning import current_policy
from app.services.collection.ports import CollectionUnitOfWork, WorklistQuery
from app.services.collection.tasks import NewTask, create_task
from app.services.context import Clock, Context
from app.services.pagination import Page, PageRequest, make_page


@dataclass(frozen=True, slots=True)
class Acceptance:
    """What the person accepting may set differently from the suggestion."""

    assignee: str | None = None
    kind: TaskKind | None = None
    priority: TaskPriority | None = None
    due_date: date | None = None
    title: str | None = None
    description: str | None = None


def _assignee(assignee: str) -> str:
    name = assignee.strip()
    if not 0 < len(name) <= MAX_ASSIGNEE_LENGTH:
        raise ValidationFailed(
            f"assignee must be 1..{MAX_ASSIGNEE_LENGTH} characters", ("query", "assignee")
        )
    return name


def _after(page: PageRequest) -> tuple[Decimal, str] | None:
    """The cursor's (score, item id), checked: it goes into the query as is."""
    if page.after is None:
        return None
    foreign = ValidationFailed("cursor is not one this service issued", ("query", "cursor"))
    if len(page.after) != 2 or not all(isinstance(part, str) for part in page.after):
        raise foreign
    try:
        score = Decimal(page.after[0])
    except InvalidOperation:
        raise foreign from None
    if not score.is_finite() or ItemId.parse(page.after[1]) is None:
        raise foreign
    return score, page.after[1]


async def worklist_for(
    uow: CollectionUnitOfWork,
    clock: Clock,
    weights: Weights,
    assignee: str | None,
    page: PageRequest,
    org_unit_id: UUID | None = None,
) -> Page[WorklistItem]:
    """The assignee's items as of today, highest score first (then by item id); the
    cursor carries the last item's score and id. With ``org_unit_id`` instead, a manager's
    team view: the items of every person placed in the unit or its descendants, each with
    its assignee."""
    if (assignee is None) == (org_unit_id is None):
        raise ValidationFailed("give either assignee or org_unit_id", ("query", "assignee"))
    team = None
    if org_unit_id is not None:
        if await uow.org_units.get(org_unit_id) is None:
            raise NotFound("org unit", org_unit_id)
        team = tuple(await uow.person_queries.members(org_unit_id))
    query = WorklistQuery(
        assignee=_assignee(assignee) if assignee is not None else "",
        today=clock.today(),
        weights=weights,
        limit=page.fetch,
        after=_after(page),
        team=team,
    )
    policy = await current_policy(uow)
    rows = await uow.worklist.ranked(query)
    ranked_by = {row.candidate.id: row.score for row in rows}
    items = [rank(row.candidate, weights, policy) for row in rows]
    return make_page(items, page, key=lambda item: (str(ranked_by[item.id]), str(item.id)))


def task_links(item: WorklistItem) -> TaskLinks:
    """An invoice's task links the invoice (and so its contract and customer); an
    installment's its contract; a customer's the customer."""
    candidate = item.candidate
    if candidate.id.kind is ItemKind.INVOICE:
        return TaskLinks(invoice_id=candidate.id.subject_id)
    if candidate.id.kind is ItemKind.INSTALLMENT:
        return TaskLinks(contract_id=candidate.contract_id)
    return TaskLinks(customer_id=candidate.customer_id)


async def accept_item(
    uow: CollectionUnitOfWork,
    ctx: Context,
    weights: Weights,
    assignee: str,
    item_id: str,
    acceptance: Acceptance | None = None,
) -> tuple[Task, WorklistItem]:
    """Open the task that the item's next action suggests: its kind, due today, for the
    worklist's assignee (unless ``acceptance`` says otherwise), linked to the item, with a
    priority from the score's band; emits ``task.created``.

    NotFound for an id that names nothing; Conflict when the item exists but is not on the
    assignee's worklist today (paid, disputed, on hold, or not theirs).
    """
    wanted = acceptance or Acceptance()
    owner = _assignee(assignee)
    item = ItemId.parse(item_id)
    if item is None:
        raise NotFound("worklist item", item_id)
    today = ctx.clock.today()
    query = WorklistQuery(assignee=owner, today=today, weights=weights, limit=1, only=item)
    rows = await uow.worklist.ranked(query)
    if not rows:
        if not await uow.worklist.exists(item):
            raise NotFound("worklist item", item_id)
        raise Conflict(
            f"{item} is not on {owner}'s worklist today: it is paid, disputed, on hold, "
            "has nothing to act on, or is not theirs"
        )
    ranked = rank(rows[0].candidate, weights, await current_policy(uow))
    task = await create_task(
        uow,
        ctx,
        NewTask(
            title=wanted.title or task_title(ranked, ctx.locale),
            kind=wanted.kind or TASK_KINDS[ranked.next_action],
            assignee=wanted.assignee or owner,
            due_date=wanted.due_date or today,
            priority=wanted.priority or weights.priority(ranked.score),
            links=task_links(ranked),
            description=wanted.description or explain(ranked),
        ),
    )
    return task, ranked


class ReasonDocument(TypedDict):
    factor: str
    value: ReasonValue
    points: str


class WorklistItemDocument(TypedDict):
    id: str
    kind: str
    subject_id: str
    customer_id: str
    customer_name: str
    contract_id: str | None
    reference: str | None
    due_date: str | None
    currency: str
    amount_overdue: str
    days_overdue: int
    dunning_level: int
    broken_promises: int
    risk_severity: str | None
    promise_due_today: bool
    score: str
    reasons: list[ReasonDocument]
    next_action: str
    open_task_id: str | None
    assignee: str | None


def worklist_item_document(item: WorklistItem) -> WorklistItemDocument:
    """An item as the API shows it: what it is, its factors, score, reasons and action."""
    candidate = item.candidate
    factors = candidate.factors
    severity = factors.risk_severity
    return {
        "id": str(candidate.id),
        "kind": candidate.id.kind.value,
        "subject_id": str(candidate.id.subject_id),
        "customer_id": str(candidate.customer_id),
        "customer_name": candidate.customer_name,
        "contract_id": None if candidate.contract_id is None else str(candidate.contract_id),
        "reference": candidate.reference,
        "due_date": None if candidate.due_date is None else candidate.due_date.isoformat(),
        "currency": factors.amount_overdue.currency,
        "amount_overdue": factors.amount_overdue.to_wire(),
        "days_overdue": factors.days_overdue,
        "dunning_level": factors.dunning_level,
        "broken_promises": factors.broken_promises,
        "risk_severity": None if severity is None else severity.label,
        "promise_due_today": factors.promise_due_today,
        "score": str(item.score),
        "reasons": [
            {"factor": r.factor.value, "value": r.value, "points": str(r.points)}
            for r in item.scored.reasons
        ],
        "next_action": item.next_action.value,
        "open_task_id": None if candidate.open_task_id is None else str(candidate.open_task_id),
        "assignee": candidate.assignee,
    }

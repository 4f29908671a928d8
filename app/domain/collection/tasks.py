"""Collection tasks: who does what by when, and the one way a task may move through states."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from app.domain.errors import IllegalStateTransition, ValidationFailed

MAX_TITLE_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 4000
MAX_ASSIGNEE_LENGTH = 200


class TaskKind(StrEnum):
    CALL = "call"
    EMAIL = "email"
    VISIT = "visit"
    INVOICE = "invoice"
    REMINDER = "reminder"
    LEGAL = "legal"
    OTHER = "other"


class TaskPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TaskStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


OPEN_STATUS_ORDER = (TaskStatus.TODO, TaskStatus.IN_PROGRESS)  # as SQL renders them
OPEN_STATUSES = frozenset(OPEN_STATUS_ORDER)

# todo -> in_progress -> done; cancelled from either; nothing else.
TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.TODO: frozenset({TaskStatus.IN_PROGRESS, TaskStatus.CANCELLED}),
    TaskStatus.IN_PROGRESS: frozenset({TaskStatus.DONE, TaskStatus.CANCELLED}),
    TaskStatus.DONE: frozenset(),
    TaskStatus.CANCELLED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class TaskLinks:
    """What a task is about; any may be empty."""

    target_id: UUID | None = None
    customer_id: UUID | None = None
    contract_id: UUID | None = None
    invoice_id: UUID | None = None


@dataclass(slots=True)
class Task:
    id: UUID
    title: str
    kind: TaskKind
    created_at: datetime
    updated_at: datetime
    priority: TaskPriority = TaskPriority.NORMAL
    status: TaskStatus = TaskStatus.TODO
    assignee: str | None = None
    due_date: date | None = None
    links: TaskLinks = TaskLinks()
    description: str | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    version: int = 1

    def __post_init__(self) -> None:
        validate_task(self)

    def is_overdue(self, today: date) -> bool:
        return self.status in OPEN_STATUSES and self.due_date is not None and self.due_date < today


EDITABLE_FIELDS = ("title", "kind", "priority", "assignee", "due_date", "description", "status")


def validate_task(task: Task) -> None:
    title = task.title.strip()
    if not title:
        raise ValidationFailed("title must not be empty", ("title",))
    if len(title) > MAX_TITLE_LENGTH:
        raise ValidationFailed(f"title is longer than {MAX_TITLE_LENGTH} characters", ("title",))
    if task.assignee is not None and not 0 < len(task.assignee.strip()) <= MAX_ASSIGNEE_LENGTH:
        raise ValidationFailed(
            f"assignee must be 1..{MAX_ASSIGNEE_LENGTH} characters", ("assignee",)
        )
    if task.description is not None and len(task.description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationFailed("description is too long", ("description",))


def require_transition(current: TaskStatus, wanted: TaskStatus) -> None:
    if wanted not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "nothing"
        raise IllegalStateTransition(
            f"a {current.value} task cannot become {wanted.value} (allowed: {allowed})"
        )


def change_task(
    task: Task, values: dict[str, Any], now: datetime
) -> tuple[Task, dict[str, tuple[Any, Any]]]:
    """Apply a partial update, status included; returns ``{field: (from, to)}``.

    A done or cancelled task is closed: nothing about it changes any more (409).
    """
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"fields cannot be changed: {sorted(unknown)}")
    if "status" in values:
        # Asking for the state a task is already in is a transition too: 409, like the rest.
        require_transition(task.status, values["status"])
    changed = {
        name: (getattr(task, name), value)
        for name, value in values.items()
        if getattr(task, name) != value
    }
    if not changed:
        return task, {}
    if task.status not in OPEN_STATUSES:
        raise IllegalStateTransition(f"a {task.status.value} task cannot be changed")
    extra: dict[str, Any] = {}
    if "status" in changed:
        wanted = changed["status"][1]
        if wanted is TaskStatus.DONE:
            extra["completed_at"] = now
        elif wanted is TaskStatus.CANCELLED:
            extra["cancelled_at"] = now
    updated = replace(
        task,
        **{name: after for name, (_, after) in changed.items()},
        **extra,
        updated_at=now,
        version=task.version + 1,
    )
    return updated, changed


@dataclass(frozen=True, slots=True)
class TaskSummary:
    """How a target's tasks stand. Completion rate: done ÷ (all − cancelled)."""

    todo: int = 0
    in_progress: int = 0
    done: int = 0
    cancelled: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.todo + self.in_progress + self.done + self.cancelled

    @property
    def completion_rate(self) -> Decimal | None:
        """A percentage with two decimals; None when no task counts."""
        counted = self.total - self.cancelled
        if counted == 0:
            return None
        return (Decimal(self.done) * 100 / counted).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

"""Tasks in PostgreSQL."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, insert, not_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from app.adapters.db.collection.models import tasks as table
from app.adapters.db.collection.statuses import OPEN_TASK
from app.adapters.db.connection import Executor
from app.adapters.db.errors import translate_integrity_error
from app.domain.collection.tasks import (
    Task,
    TaskKind,
    TaskLinks,
    TaskPriority,
    TaskStatus,
    TaskSummary,
)
from app.domain.errors import StaleVersion, UnknownReference
from app.services.collection.ports import TaskFilter
from app.services.pagination import PageRequest


def task_row(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "kind": task.kind.value,
        "status": task.status.value,
        "priority": task.priority.value,
        "assignee": task.assignee,
        "due_date": task.due_date,
        "target_id": task.links.target_id,
        "customer_id": task.links.customer_id,
        "contract_id": task.links.contract_id,
        "invoice_id": task.links.invoice_id,
        "description": task.description,
        "completed_at": task.completed_at,
        "cancelled_at": task.cancelled_at,
        "version": task.version,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
    }


def task_from_row(row: RowMapping) -> Task:
    return Task(
        id=row["id"],
        title=row["title"],
        kind=TaskKind(row["kind"]),
        status=TaskStatus(row["status"]),
        priority=TaskPriority(row["priority"]),
        assignee=row["assignee"],
        due_date=row["due_date"],
        links=TaskLinks(
            target_id=row["target_id"],
            customer_id=row["customer_id"],
            contract_id=row["contract_id"],
            invoice_id=row["invoice_id"],
        ),
        description=row["description"],
        completed_at=row["completed_at"],
        cancelled_at=row["cancelled_at"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _translate(exc: IntegrityError, task: Task) -> Exception:
    links = task.links
    mapping = {
        f"fk_tasks_{name}_id_{table_name}": (
            lambda name=name, value=value: UnknownReference(name, value, (f"{name}_id",))
        )
        for name, table_name, value in (
            ("target", "targets", links.target_id),
            ("customer", "customers", links.customer_id),
            ("contract", "contracts", links.contract_id),
            ("invoice", "invoices", links.invoice_id),
        )
    }
    return translate_integrity_error(exc, mapping) or exc


def _overdue(today: date) -> ColumnElement[bool]:
    # Never NULL (a task without a due date is not overdue), so that NOT works as expected.
    return and_(
        table.c.status.in_(OPEN_TASK), table.c.due_date.is_not(None), table.c.due_date < today
    )


class SqlTaskRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, task: Task) -> None:
        try:
            await self.conn.execute(insert(table).values(task_row(task)))
        except IntegrityError as exc:
            raise _translate(exc, task) from exc

    async def get(self, task_id: UUID) -> Task | None:
        row = (await self.conn.execute(select(table).where(table.c.id == task_id))).mappings()
        found = row.first()
        return task_from_row(found) if found else None

    async def save(self, task: Task, expected_version: int) -> None:
        values = task_row(task)
        del values["id"], values["created_at"]
        statement = (
            update(table)
            .where(table.c.id == task.id, table.c.version == expected_version)
            .values(values)
            .returning(table.c.version)
        )
        try:
            written = (await self.conn.execute(statement)).scalar_one_or_none()
        except IntegrityError as exc:
            raise _translate(exc, task) from exc
        if written is None:
            raise StaleVersion("task", expected_version)


class SqlTaskQueries:
    """The read side of tasks: lists (tested on PostgreSQL, not faked) and the target views'
    task summaries (faked; tests/contract holds the fake to this query)."""

    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def summaries(self, target_ids: Collection[UUID], today: date) -> dict[UUID, TaskSummary]:
        if not target_ids:
            return {}

        def count(condition: ColumnElement[bool]) -> Any:
            return func.count().filter(condition)

        query = (
            select(
                table.c.target_id,
                *(count(table.c.status == s.value).label(s.value) for s in TaskStatus),
                count(_overdue(today)).label("overdue"),
            )
            .where(table.c.target_id.in_(list(target_ids)))
            .group_by(table.c.target_id)
        )
        return {
            row["target_id"]: TaskSummary(
                todo=row["todo"],
                in_progress=row["in_progress"],
                done=row["done"],
                cancelled=row["cancelled"],
                overdue=row["overdue"],
            )
            for row in (await self.conn.execute(query)).mappings()
        }

    async def list(self, filters: TaskFilter, today: date, page: PageRequest) -> Sequence[Task]:
        conditions: list[ColumnElement[bool]] = []
        for name in ("assignee", "target_id", "customer_id", "contract_id", "invoice_id"):
            value = getattr(filters, name)
            if value is not None:
                conditions.append(table.c[name] == value)
        if filters.status is not None:
            conditions.append(table.c.status == filters.status.value)
        if filters.overdue is not None:
            conditions.append(_overdue(today) if filters.overdue else not_(_overdue(today)))
        if filters.due_before is not None:
            conditions.append(table.c.due_date < filters.due_before)
        if page.after:
            conditions.append(table.c.id > page.after_uuid())
        query = select(table).where(*conditions).order_by(table.c.id).limit(page.fetch)
        return [task_from_row(r) for r in (await self.conn.execute(query)).mappings()]

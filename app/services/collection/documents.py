"""Targets, tasks, interactions, promises, risk flags and the dunning policy as the API
shows them (and as events carry them in ``data.object``)."""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict

from app.domain.collection.dunning import DunningPolicy
from app.domain.collection.interactions import Interaction
from app.domain.collection.promises import Promise
from app.domain.collection.risk import RiskFlag
from app.domain.collection.targets import ProgressSums, Target, target_progress
from app.domain.collection.tasks import Task, TaskSummary
from app.domain.events import rfc3339
from app.domain.evidence import evidence_documents
from app.domain.money import Money


class TaskSummaryDocument(TypedDict):
    total: int
    todo: int
    in_progress: int
    done: int
    cancelled: int
    overdue: int
    completion_rate: str | None


class TargetDocument(TypedDict):
    id: str
    name: str
    amount: str
    currency: str
    period_start: str
    period_end: str
    scope: str
    scope_id: str | None
    parent_id: str | None
    owner: str | None
    description: str | None
    collected: str
    remaining: str
    percent: str
    expected_to_date: str
    expected_basis: str
    pace: str
    status: str
    days_left: int
    required_daily_amount: str | None
    as_of: str
    tasks: TaskSummaryDocument
    version: int
    created_at: str
    updated_at: str


class TaskDocument(TypedDict):
    id: str
    title: str
    kind: str
    priority: str
    status: str
    assignee: str | None
    due_date: str | None
    overdue: bool
    target_id: str | None
    customer_id: str | None
    contract_id: str | None
    invoice_id: str | None
    description: str | None
    completed_at: str | None
    cancelled_at: str | None
    version: int
    created_at: str
    updated_at: str


class PromiseDocument(TypedDict):
    id: str
    interaction_id: str
    customer_id: str
    invoice_id: str | None
    amount: str
    currency: str
    promised_date: str
    made_on: str
    status: str
    paid_amount: str
    remaining: str
    kept_at: str | None
    broken_at: str | None
    version: int
    created_at: str
    updated_at: str


class RecordedByDocument(TypedDict):
    api_key: str | None
    user: str | None


class InteractionDocument(TypedDict):
    id: str
    customer_id: str
    invoice_id: str | None
    channel: str
    occurred_at: str
    summary: str
    outcome: str | None
    recorded_by: RecordedByDocument
    promise: PromiseDocument | None
    demand: bool
    evidence: list[dict[str, str | None]]
    created_at: str


class RiskSubjectDocument(TypedDict):
    type: str
    id: str


class RiskFlagDocument(TypedDict):
    id: str
    subject: RiskSubjectDocument
    customer_id: str
    kind: str
    severity: str
    status: str
    source: str
    rule: str | None
    description: str | None
    mitigation_plan: str | None
    owner: str | None
    resolution_note: str | None
    resolved_at: str | None
    version: int
    created_at: str
    updated_at: str


class DunningLevelDocument(TypedDict):
    level: int
    days_overdue: int
    action: str
    create_task: bool


class DunningPolicyDocument(TypedDict):
    levels: list[DunningLevelDocument]
    version: int
    updated_at: str | None
    updated_by: RecordedByDocument


def _id(value: object | None) -> str | None:
    return None if value is None else str(value)


def _time(value: Any) -> str | None:
    return None if value is None else rfc3339(value)


def _percent(value: Any) -> str | None:
    return None if value is None else str(value)


def task_summary_document(summary: TaskSummary) -> TaskSummaryDocument:
    return {
        "total": summary.total,
        "todo": summary.todo,
        "in_progress": summary.in_progress,
        "done": summary.done,
        "cancelled": summary.cancelled,
        "overdue": summary.overdue,
        "completion_rate": _percent(summary.completion_rate),
    }


def breakdown_document(node: Any) -> dict[str, Any]:
    """A target's tree: each node the target as ``GET`` shows it, with ``children_amount``
    (its parts' amounts), ``unassigned_amount`` (its amount less theirs),
    ``children_collected`` (what its parts collected) and its ``children``."""
    view = node.view
    target = view.target
    currency = target.currency
    parts = Money.sum([c.view.target.amount for c in node.children], currency)
    collected = [
        target_progress(c.view.target, c.view.sums, c.view.today).collected for c in node.children
    ]
    return {
        **target_document(target, view.sums, view.tasks, view.today),
        "depth": node.depth,
        "children_amount": parts.to_wire(),
        "unassigned_amount": (target.amount - parts).to_wire(),
        "children_collected": Money.sum(collected, currency).to_wire(),
        "children": [breakdown_document(c) for c in node.children],
    }


def target_document(
    target: Target, sums: ProgressSums, tasks: TaskSummary, today: date
) -> TargetDocument:
    progress = target_progress(target, sums, today)
    daily = progress.required_daily_amount
    return {
        "id": str(target.id),
        "name": target.name,
        "amount": target.amount.to_wire(),
        "currency": target.currency,
        "period_start": target.period_start.isoformat(),
        "period_end": target.period_end.isoformat(),
        "scope": target.scope.value,
        "scope_id": _id(target.scope_id),
        "parent_id": _id(target.parent_id),
        "owner": target.owner,
        "description": target.description,
        "collected": progress.collected.to_wire(),
        "remaining": progress.remaining.to_wire(),
        "percent": str(progress.percent),
        "expected_to_date": progress.expected_to_date.to_wire(),
        "expected_basis": progress.expected_basis.value,
        "pace": progress.pace.value,
        "status": progress.status.value,
        "days_left": progress.days_left,
        "required_daily_amount": None if daily is None else daily.to_wire(),
        "as_of": today.isoformat(),
        "tasks": task_summary_document(tasks),
        "version": target.version,
        "created_at": rfc3339(target.created_at),
        "updated_at": rfc3339(target.updated_at),
    }


def task_document(task: Task, today: date) -> TaskDocument:
    links = task.links
    return {
        "id": str(task.id),
        "title": task.title,
        "kind": task.kind.value,
        "priority": task.priority.value,
        "status": task.status.value,
        "assignee": task.assignee,
        "due_date": None if task.due_date is None else task.due_date.isoformat(),
        "overdue": task.is_overdue(today),
        "target_id": _id(links.target_id),
        "customer_id": _id(links.customer_id),
        "contract_id": _id(links.contract_id),
        "invoice_id": _id(links.invoice_id),
        "description": task.description,
        "completed_at": _time(task.completed_at),
        "cancelled_at": _time(task.cancelled_at),
        "version": task.version,
        "created_at": rfc3339(task.created_at),
        "updated_at": rfc3339(task.updated_at),
    }


def promise_document(promise: Promise) -> PromiseDocument:
    return {
        "id": str(promise.id),
        "interaction_id": str(promise.interaction_id),
        "customer_id": str(promise.customer_id),
        "invoice_id": _id(promise.invoice_id),
        "amount": promise.amount.to_wire(),
        "currency": promise.currency,
        "promised_date": promise.promised_date.isoformat(),
        "made_on": promise.made_on.isoformat(),
        "status": promise.status.value,
        "paid_amount": promise.paid_amount.to_wire(),
        "remaining": promise.remaining.to_wire(),
        "kept_at": _time(promise.kept_at),
        "broken_at": _time(promise.broken_at),
        "version": promise.version,
        "created_at": rfc3339(promise.created_at),
        "updated_at": rfc3339(promise.updated_at),
    }


def interaction_document(interaction: Interaction, promise: Promise | None) -> InteractionDocument:
    return {
        "id": str(interaction.id),
        "customer_id": str(interaction.customer_id),
        "invoice_id": _id(interaction.invoice_id),
        "channel": interaction.channel.value,
        "occurred_at": rfc3339(interaction.occurred_at),
        "summary": interaction.summary,
        "outcome": interaction.outcome,
        "recorded_by": {"api_key": interaction.recorded_by, "user": interaction.recorded_by_user},
        "promise": None if promise is None else promise_document(promise),
        "demand": interaction.demand,
        "evidence": evidence_documents(interaction.evidence),
        "created_at": rfc3339(interaction.created_at),
    }


def risk_flag_document(flag: RiskFlag) -> RiskFlagDocument:
    return {
        "id": str(flag.id),
        "subject": {"type": flag.subject.type.value, "id": str(flag.subject.id)},
        "customer_id": str(flag.customer_id),
        "kind": flag.kind.value,
        "severity": flag.severity.label,
        "status": flag.status.value,
        "source": flag.source.value,
        "rule": flag.rule,
        "description": flag.description,
        "mitigation_plan": flag.mitigation_plan,
        "owner": flag.owner,
        "resolution_note": flag.resolution_note,
        "resolved_at": _time(flag.resolved_at),
        "version": flag.version,
        "created_at": rfc3339(flag.created_at),
        "updated_at": rfc3339(flag.updated_at),
    }


def dunning_policy_document(policy: DunningPolicy) -> DunningPolicyDocument:
    return {
        "levels": [
            {
                "level": item.level,
                "days_overdue": item.days_overdue,
                "action": item.action,
                "create_task": item.create_task,
            }
            for item in policy.levels
        ],
        "version": policy.version,
        "updated_at": _time(policy.updated_at),
        "updated_by": {"api_key": policy.updated_by, "user": policy.updated_by_user},
    }

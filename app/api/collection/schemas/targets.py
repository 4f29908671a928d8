"""Target and task schemas."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from app.api.schemas import (
    AmountIn,
    AmountOut,
    BusinessDate,
    CurrencyCode,
    LongText,
    RequestModel,
    ShortText,
    Timestamp,
)
from app.domain.collection.targets import ExpectedBasis, Pace, TargetScope, TargetStatus
from app.domain.collection.tasks import TaskKind, TaskPriority, TaskStatus

PercentOut = Annotated[str, Field(description="A percentage with two decimals", examples=["45.50"])]


class TargetCreate(RequestModel):
    name: ShortText = Field(examples=["2026 Q4 回款目标"])
    amount: AmountIn
    currency: CurrencyCode
    period_start: BusinessDate
    period_end: BusinessDate = Field(description="Last day of the period (inclusive)")
    scope: TargetScope
    scope_id: ShortText | None = Field(
        default=None,
        description="The customer's or contract's id, or the owner's user id; none for org",
    )
    owner: ShortText | None = Field(default=None, description="Who answers for the target")
    description: LongText | None = None
    parent_id: UUID | None = Field(
        default=None,
        description="The target this one is a part of: same currency, a period inside the "
        "parent's, and the parts' amounts at most the parent's (else 422)",
    )


class TargetPatch(RequestModel):
    """Only the fields present change; scope and currency are fixed."""

    name: ShortText | None = None
    amount: AmountIn | None = None
    period_start: BusinessDate | None = None
    period_end: BusinessDate | None = None
    owner: ShortText | None = None
    description: LongText | None = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> TargetPatch:
        for name in ("name", "amount", "period_start", "period_end"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class TaskSummaryOut(BaseModel):
    total: int
    todo: int
    in_progress: int
    done: int
    cancelled: int
    overdue: int
    completion_rate: PercentOut | None = Field(
        description="done ÷ (total − cancelled) × 100; null without such tasks"
    )


class TargetOut(BaseModel):
    id: str
    name: str
    amount: AmountOut
    currency: str
    period_start: date
    period_end: date
    scope: TargetScope
    scope_id: str | None
    parent_id: str | None = Field(description="The target this one is a part of")
    owner: str | None
    description: str | None
    collected: AmountOut = Field(description="Received in the period within the scope")
    remaining: AmountOut
    percent: PercentOut
    expected_to_date: AmountOut
    expected_basis: ExpectedBasis
    pace: Pace
    status: TargetStatus
    days_left: int = Field(description="Days of the period left, today included")
    required_daily_amount: AmountOut | None = Field(
        description="What is left ÷ days left; null once the period is over"
    )
    as_of: date
    tasks: TaskSummaryOut
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class TargetNodeOut(TargetOut):
    depth: int = Field(description="Levels below the target asked for (0)")
    children_amount: AmountOut = Field(description="Its parts' amounts")
    unassigned_amount: AmountOut = Field(description="Its amount less its parts'")
    children_collected: AmountOut = Field(description="What its parts collected")
    children: list[TargetNodeOut]


class TaskCreate(RequestModel):
    title: ShortText = Field(examples=["致电财务确认付款日期"])
    kind: TaskKind
    assignee: ShortText | None = Field(default=None, description="A user id")
    due_date: BusinessDate | None = None
    priority: TaskPriority = TaskPriority.NORMAL
    target_id: UUID | None = None
    customer_id: UUID | None = None
    contract_id: UUID | None = None
    invoice_id: UUID | None = None
    description: LongText | None = None


class TaskPatch(RequestModel):
    """Only the fields present change. ``status``: todo -> in_progress -> done, or
    cancelled from either; anything else is 409."""

    title: ShortText | None = None
    kind: TaskKind | None = None
    priority: TaskPriority | None = None
    status: TaskStatus | None = None
    assignee: ShortText | None = None
    due_date: BusinessDate | None = None
    description: LongText | None = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> TaskPatch:
        for name in ("title", "kind", "priority", "status"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class TaskOut(BaseModel):
    id: str
    title: str
    kind: TaskKind
    priority: TaskPriority
    status: TaskStatus
    assignee: str | None
    due_date: date | None
    overdue: bool
    target_id: str | None
    customer_id: str | None
    contract_id: str | None
    invoice_id: str | None
    description: str | None
    completed_at: Timestamp | None
    cancelled_at: Timestamp | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp

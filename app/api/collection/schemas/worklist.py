"""Worklist schemas: ranked items with the reasons for their score, and accepting one."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from app.api.schemas import (
    AmountOut,
    BusinessDate,
    LongText,
    RequestModel,
    SeverityName,
    ShortText,
)
from app.domain.collection.tasks import TaskKind, TaskPriority
from app.domain.collection.worklist import Factor, ItemKind, NextAction

Points = Annotated[
    str,
    Field(
        description="Decimal string with two decimals", examples=["22.50"], pattern=r"^\d+\.\d{2}$"
    ),
]


class ReasonOut(BaseModel):
    factor: Factor
    value: str | int | bool = Field(
        description=(
            "The factor's value: `amount_overdue` a decimal string in the item's currency, "
            "`risk_severity` the severity's name, `promise_due_today` true, the others counts"
        ),
        examples=[45],
    )
    points: Points


class WorklistItemOut(BaseModel):
    id: str = Field(
        description="`invoice:<uuid>`, `installment:<uuid>` or `customer:<uuid>`",
        examples=["invoice:019ab3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b"],
    )
    kind: ItemKind
    subject_id: str = Field(description="The invoice's, installment's or customer's id")
    customer_id: str
    customer_name: str
    contract_id: str | None
    reference: str | None = Field(description="The invoice number or the installment's name")
    due_date: date | None
    currency: str
    amount_overdue: AmountOut
    days_overdue: int
    dunning_level: int
    broken_promises: int = Field(description="The customer's, promised in the last 90 days")
    risk_severity: SeverityName | None
    promise_due_today: bool
    score: Points
    reasons: list[ReasonOut] = Field(description="Their points add up to the score exactly")
    next_action: NextAction
    open_task_id: str | None = Field(
        description="An open task of the assignee's about this item (the earliest due)"
    )
    assignee: str | None = Field(
        description="Whose item it is (in a team's view, the first member by user id who owns it)"
    )


class WorklistPageOut(BaseModel):
    data: list[WorklistItemOut]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end"
    )
    assignee: str | None = Field(description="The assignee asked for; null for a team's view")
    org_unit_id: str | None = Field(default=None, description="The team's unit, when asked")
    as_of: date = Field(description="The day the factors were computed for")


class WorklistAccept(RequestModel):
    """Everything is optional: by default the task is what the item suggests."""

    assignee: ShortText | None = Field(
        default=None, description="Who gets the task; by default the worklist's assignee"
    )
    kind: TaskKind | None = Field(default=None, description="By default from the next action")
    priority: TaskPriority | None = Field(default=None, description="By default from the score")
    due_date: BusinessDate | None = Field(default=None, description="By default today")
    title: ShortText | None = None
    description: LongText | None = None

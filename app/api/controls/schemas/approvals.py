"""Approval policy and approval request bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from app.api.schemas import AmountIn, AmountOut, CurrencyCode, RequestModel, ShortText, Text

Approver = Annotated[str, Field(min_length=1, max_length=200)]


class ApprovalRuleIn(RequestModel):
    action: Annotated[str, Field(max_length=100, examples=["invoice.write_off"])]
    approvers: Annotated[
        list[Approver],
        Field(max_length=50, description='User ids, or `["org_unit_manager"]`'),
    ]
    required: Annotated[int, Field(description="1 or 2 different approvers")] = 1
    min_amount: AmountIn | None = None
    currency: CurrencyCode | None = None


class ApprovalPolicyIn(RequestModel):
    rules: Annotated[list[ApprovalRuleIn], Field(max_length=100)]


class ApprovalRuleOut(BaseModel):
    action: str
    approvers: list[str]
    required: int
    min_amount: AmountOut | None
    currency: str | None


class ApprovalPolicyOut(BaseModel):
    rules: list[ApprovalRuleOut]
    version: int
    updated_at: datetime | None
    updated_by: str | None


class DecisionIn(RequestModel):
    comment: Text | None = None


class AuditEntryOut(BaseModel):
    id: str
    at: datetime
    actor: str | None
    key_name: str
    request_id: str | None
    action: str
    subject: str
    changes: dict[str, list[Any]] = Field(description="`{field: [before, after]}`")


__all__ = ["ApprovalPolicyIn", "ApprovalPolicyOut", "AuditEntryOut", "DecisionIn", "ShortText"]

"""Risk flag and dunning policy schemas."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from app.api.schemas import LongText, RequestModel, SeverityName, ShortText, Timestamp
from app.domain.collection.dunning import MAX_LEVELS
from app.domain.collection.risk import RiskKind, RiskSource, RiskStatus, SubjectType


class SubjectIn(RequestModel):
    type: SubjectType
    id: UUID


class RiskFlagCreate(RequestModel):
    subject: SubjectIn
    kind: RiskKind
    severity: SeverityName
    description: LongText | None = None
    mitigation_plan: LongText | None = None
    owner: ShortText | None = Field(default=None, description="A user id")


class RiskFlagPatch(RequestModel):
    """Only the fields present change; resolve or dismiss with their own actions."""

    severity: SeverityName | None = None
    status: Literal["open", "mitigating"] | None = None
    description: LongText | None = None
    mitigation_plan: LongText | None = None
    owner: ShortText | None = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> RiskFlagPatch:
        for name in ("severity", "status"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class NoteIn(RequestModel):
    note: LongText


class SubjectOut(BaseModel):
    type: SubjectType
    id: str


class RiskFlagOut(BaseModel):
    id: str
    subject: SubjectOut
    customer_id: str = Field(description="The subject's customer")
    kind: RiskKind
    severity: SeverityName
    status: RiskStatus
    source: RiskSource
    rule: str | None = Field(description="The rule that raised it, when source is rule")
    description: str | None
    mitigation_plan: str | None
    owner: str | None
    resolution_note: str | None
    resolved_at: Timestamp | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class DunningLevelIn(RequestModel):
    level: Annotated[int, Field(ge=1, le=100)]
    days_overdue: Annotated[int, Field(ge=1, le=3650)]
    action: ShortText = Field(examples=["reminder"])
    create_task: bool = False


class DunningPolicyIn(RequestModel):
    levels: list[DunningLevelIn] = Field(
        max_length=MAX_LEVELS,
        description="At least one; level numbers and days_overdue strictly increasing",
    )


class DunningLevelOut(BaseModel):
    level: int
    days_overdue: int
    action: str
    create_task: bool


class UpdatedByOut(BaseModel):
    api_key: str | None
    user: str | None


class DunningPolicyOut(BaseModel):
    levels: list[DunningLevelOut]
    version: int
    updated_at: Timestamp | None
    updated_by: UpdatedByOut

"""Org unit, person and project schemas."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from app.api.schemas import (
    AmountOut,
    BusinessDate,
    ExternalId,
    RequestModel,
    ShortText,
    Timestamp,
)
from app.domain.organisation.projects import ProjectStatus


class OrgUnitCreate(RequestModel):
    code: ExternalId = Field(description="The HR or ERP code; unique", examples=["EAST-SH"])
    name: ShortText = Field(examples=["华东区 上海分公司"])
    parent_id: UUID | None = Field(
        default=None,
        description="The parent unit; null for a root. At most 8 levels (a root is level 1)",
    )
    manager: ShortText | None = Field(default=None, description="The manager's user id")


class OrgUnitPatch(RequestModel):
    """Only the fields present change; a new ``parent_id`` moves the whole subtree (a cycle
    is 409; a subtree reaching below level 8 is 422)."""

    code: ExternalId | None = None
    name: ShortText | None = None
    parent_id: UUID | None = None
    manager: ShortText | None = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> OrgUnitPatch:
        for name in ("code", "name"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class OrgUnitOut(BaseModel):
    id: str
    code: str
    name: str
    parent_id: str | None
    manager: str | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class OrgTreeNodeOut(OrgUnitOut):
    depth: int = Field(description="Levels below the subtree's root (0)")
    children: list[OrgTreeNodeOut]


class PersonPut(RequestModel):
    name: ShortText
    org_unit_id: UUID | None = None
    active: bool = True


class PersonOut(BaseModel):
    user_id: str
    name: str
    org_unit_id: str | None
    active: bool
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class ProjectCreate(RequestModel):
    name: ShortText
    customer_id: UUID
    external_id: ExternalId | None = None
    org_unit_id: UUID | None = None
    manager: ShortText | None = Field(default=None, description="The manager's user id")
    status: ProjectStatus = ProjectStatus.ACTIVE
    starts_on: BusinessDate | None = None
    ends_on: BusinessDate | None = None


class ProjectPatch(RequestModel):
    """Only the fields present change; the customer cannot."""

    name: ShortText | None = None
    external_id: ExternalId | None = None
    org_unit_id: UUID | None = None
    manager: ShortText | None = None
    status: ProjectStatus | None = None
    starts_on: BusinessDate | None = None
    ends_on: BusinessDate | None = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> ProjectPatch:
        for name in ("name", "status"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ProjectOut(BaseModel):
    id: str
    external_id: str | None
    name: str
    customer_id: str
    org_unit_id: str | None
    manager: str | None
    status: ProjectStatus
    starts_on: BusinessDate | None
    ends_on: BusinessDate | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class ProjectFiguresOut(BaseModel):
    currency: str
    contract_value: AmountOut = Field(description="Its contracts' amounts")
    invoiced: AmountOut = Field(description="Invoices not voided")
    collected: AmountOut = Field(description="What those invoices have been paid")
    outstanding: AmountOut = Field(description="Open invoices, less what is paid")
    overdue: AmountOut = Field(description="The part of it past its due date")
    retention_held: AmountOut = Field(
        description="Retention money (质保金) of its contracts not yet collected nor written off"
    )
    unbilled: AmountOut = Field(
        description="Installments due HUIKUAN_UNBILLED_AFTER_DAYS ago or more, not invoiced"
    )
    collection_rate: str | None = Field(description="collected ÷ invoiced × 100; null if none")


class ProjectDetailOut(ProjectOut):
    figures: list[ProjectFiguresOut] = Field(description="Per currency of its contracts")

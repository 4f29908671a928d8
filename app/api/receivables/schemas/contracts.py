"""Contract, installment and installment-history schemas."""

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
    DecimalIn,
    ExternalId,
    RequestModel,
    ShortText,
    Text,
    Timestamp,
)

Percent = Annotated[DecimalIn, Field(gt=0, le=100, examples=["30"])]
DailyRate = Annotated[
    DecimalIn,
    Field(ge=0, lt=1, description="Late fee per day, e.g. 0.0005 (0.05 % a day)"),
]


class InstallmentIn(RequestModel):
    id: UUID | None = Field(
        default=None, description="In a PATCH: the installment to keep (else matched by name)"
    )
    name: ShortText = Field(examples=["首付款 30%"])
    due_date: BusinessDate
    amount: AmountIn | None = Field(default=None, description="Give amount or percent")
    percent: Percent | None = Field(
        default=None, description="Of the contract amount; rounding remainder on the last"
    )

    @model_validator(mode="after")
    def _amount_or_percent(self) -> InstallmentIn:
        if (self.amount is None) == (self.percent is None):
            raise ValueError("give exactly one of amount or percent")
        return self


Plan = Annotated[list[InstallmentIn], Field(max_length=200)]


class ContractCreate(RequestModel):
    customer_id: UUID
    name: ShortText
    external_id: ExternalId | None = Field(default=None, description="The ERP's contract number")
    amount: AmountIn
    currency: CurrencyCode
    owner: ShortText = Field(description="User id of the person responsible for collection")
    project_id: UUID | None = Field(default=None, description="One of the customer's projects")
    signed_on: BusinessDate
    late_fee_rate: DailyRate | None = None
    installments: Plan = Field(
        default_factory=list, description="The collection plan; must add up to the amount"
    )


class ContractPatch(RequestModel):
    """Only the fields present change. ``installments`` replaces the whole plan."""

    name: ShortText | None = None
    external_id: ExternalId | None = None
    amount: AmountIn | None = None
    owner: ShortText | None = None
    project_id: UUID | None = None
    signed_on: BusinessDate | None = None
    late_fee_rate: DailyRate | None = None
    installments: Plan | None = None
    reason: Text | None = Field(default=None, description="Why the plan changes (kept in history)")

    @model_validator(mode="after")
    def _required_stay_set(self) -> ContractPatch:
        for name in ("name", "amount", "owner", "signed_on", "installments"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class InstallmentOut(BaseModel):
    id: str
    contract_id: str
    name: str
    due_date: date
    amount: AmountOut
    currency: str
    status: str = Field(examples=["planned", "invoiced", "partially_paid", "paid", "written_off"])
    invoiced_amount: AmountOut
    collected_amount: AmountOut
    written_off_amount: AmountOut
    outstanding: AmountOut
    overdue: bool
    days_overdue: int


class ContractTotalsOut(BaseModel):
    invoiced: AmountOut
    collected: AmountOut
    written_off: AmountOut
    outstanding: AmountOut
    overdue: AmountOut


class ContractProgressOut(BaseModel):
    invoiced_percent: str = Field(examples=["30.00"])
    collected_percent: str = Field(examples=["12.50"])


class ContractOut(BaseModel):
    id: str
    external_id: str | None
    customer_id: str
    name: str
    amount: AmountOut
    currency: str
    owner: str
    project_id: str | None
    signed_on: date
    late_fee_rate: str | None
    installments: list[InstallmentOut]
    totals: ContractTotalsOut
    progress: ContractProgressOut
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class RescheduleIn(RequestModel):
    due_date: BusinessDate
    reason: Text


class InstallmentStateOut(BaseModel):
    name: str
    due_date: date
    amount: AmountOut


class ActorOut(BaseModel):
    api_key: str
    user: str | None


class HistoryEntryOut(BaseModel):
    id: str
    installment_id: str
    contract_id: str
    kind: str = Field(examples=["created", "rescheduled", "added", "changed", "removed"])
    changed_at: Timestamp
    changed_by: ActorOut
    from_: InstallmentStateOut | None = Field(alias="from")
    to: InstallmentStateOut | None
    reason: str | None


class HistoryOut(BaseModel):
    data: list[HistoryEntryOut]
    next_cursor: str | None = None

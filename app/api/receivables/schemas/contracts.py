"""Contract, installment and installment-history schemas."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from app.api.schemas import (
    AmountIn,
    AmountOut,
    BusinessDate,
    CurrencyCode,
    DecimalIn,
    EvidenceList,
    EvidenceOut,
    ExternalId,
    RequestModel,
    ShortText,
    Text,
    Timestamp,
)
from app.domain.errors import ValidationFailed
from app.domain.receivables.milestones import MilestoneTerm

Percent = Annotated[DecimalIn, Field(gt=0, le=100, examples=["30"])]
DailyRate = Annotated[
    DecimalIn,
    Field(ge=0, lt=1, description="Late fee per day, e.g. 0.0005 (0.05 % a day)"),
]


InstallmentKindName = Literal[
    "advance", "progress", "acceptance", "settlement", "retention", "other"
]
MilestoneKey = Annotated[str, Field(min_length=1, max_length=50, examples=["completion"])]


class InstallmentIn(RequestModel):
    id: UUID | None = Field(
        default=None, description="In a PATCH: the installment to keep (else matched by name)"
    )
    name: ShortText = Field(examples=["首付款 30%"])
    kind: InstallmentKindName = Field(
        default="other",
        description="预付款 advance, 进度款 progress, 验收款 acceptance, 结算款 settlement, "
        "质保金 retention, other",
    )
    basis: Literal["date", "milestone"] | None = Field(
        default=None,
        description="`date` (with due_date) or `milestone` (with milestone and an offset); "
        "by default `milestone` when a milestone is named",
    )
    due_date: BusinessDate | None = None
    milestone: MilestoneKey | None = Field(
        default=None, description="The key of one of the contract's milestones"
    )
    offset_days: Annotated[int, Field(ge=0, le=3660)] | None = None
    offset_months: Annotated[int, Field(ge=0, le=120)] | None = Field(
        default=None, description="Calendar months, clamped to the month's end"
    )
    amount: AmountIn | None = Field(default=None, description="Give amount or percent")
    percent: Percent | None = Field(
        default=None, description="Of the contract amount; rounding remainder on the last"
    )

    @model_validator(mode="after")
    def _amount_or_percent(self) -> InstallmentIn:
        if (self.amount is None) == (self.percent is None):
            raise ValueError("give exactly one of amount or percent")
        return self

    def term(self, index: int) -> MilestoneTerm | None:
        """The milestone term, or None for a date basis; 422 when the basis is unclear."""
        basis = self.basis or ("milestone" if self.milestone is not None else "date")
        if basis == "date":
            if (
                self.milestone is not None
                or self.offset_days is not None
                or (self.offset_months is not None)
            ):
                raise ValidationFailed(
                    "an installment due on a date has no milestone nor offset",
                    ("installments", index, "milestone"),
                )
            return None
        if self.milestone is None:
            raise ValidationFailed(
                "basis milestone needs a milestone", ("installments", index, "milestone")
            )
        return MilestoneTerm(self.milestone, self.offset_days, self.offset_months)


class MilestoneIn(RequestModel):
    key: MilestoneKey
    name: ShortText = Field(examples=["竣工验收"])
    planned_on: BusinessDate | None = Field(
        default=None, description="When it is expected: the forecast places installments there"
    )


class MilestoneOut(BaseModel):
    key: str
    name: str
    planned_on: date | None
    reached_on: date | None
    evidence: list[EvidenceOut]


class MilestoneListOut(BaseModel):
    data: list[MilestoneOut]
    next_cursor: str | None = None


class ReachIn(RequestModel):
    reached_on: BusinessDate
    evidence: EvidenceList = Field(default_factory=list)


class UnreachIn(RequestModel):
    reason: Text = Field(description="Why the entry was a mistake (kept in history)")


Milestones = Annotated[list[MilestoneIn], Field(max_length=50)]
PaymentTermsDays = Annotated[
    int, Field(ge=0, le=3650, description="Days from issue to due of an invoice without one")
]


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
    payment_terms_days: PaymentTermsDays | None = None
    milestones: Milestones = Field(
        default_factory=list, description="The payment nodes installments may fall due on"
    )
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
    payment_terms_days: PaymentTermsDays | None = None
    milestones: Milestones | None = Field(
        default=None,
        description="Replaces the milestones, by key: reached ones keep their date and must stay",
    )
    installments: Plan | None = None
    reason: Text | None = Field(default=None, description="Why the plan changes (kept in history)")

    @model_validator(mode="after")
    def _required_stay_set(self) -> ContractPatch:
        for name in ("name", "amount", "owner", "signed_on", "installments", "milestones"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class InstallmentOut(BaseModel):
    id: str
    contract_id: str
    name: str
    kind: str
    basis: str = Field(examples=["date", "milestone"])
    milestone: str | None
    offset_days: int | None
    offset_months: int | None
    due_date: date | None = Field(description="null while awaiting its milestone")
    amount: AmountOut
    currency: str
    status: str = Field(
        examples=[
            "awaiting_milestone",
            "planned",
            "invoiced",
            "partially_paid",
            "paid",
            "written_off",
        ]
    )
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
    payment_terms_days: int | None
    milestones: list[MilestoneOut]
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
    due_date: date | None
    amount: AmountOut


class ActorOut(BaseModel):
    api_key: str
    user: str | None


class HistoryEntryOut(BaseModel):
    id: str
    installment_id: str
    contract_id: str
    kind: str = Field(
        examples=[
            "created",
            "rescheduled",
            "added",
            "changed",
            "removed",
            "due_date_set",
            "due_date_cleared",
        ]
    )
    changed_at: Timestamp
    changed_by: ActorOut
    from_: InstallmentStateOut | None = Field(alias="from")
    to: InstallmentStateOut | None
    reason: str | None


class HistoryOut(BaseModel):
    data: list[HistoryEntryOut]
    next_cursor: str | None = None

"""Balance confirmation, legal action and limitation schemas."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from app.api.schemas import (
    AmountIn,
    AmountOut,
    BusinessDate,
    CurrencyCode,
    EvidenceList,
    EvidenceOut,
    RequestModel,
    ShortText,
    Text,
    Timestamp,
)
from app.domain.collection.confirmations import ConfirmationStatus, LegalActionKind


class ConfirmationCreate(RequestModel):
    currency: CurrencyCode
    as_of: BusinessDate | None = Field(
        default=None, description="The day the balance is confirmed for; default today"
    )
    note: Text | None = None
    evidence: EvidenceList = Field(default_factory=list)


class ConfirmationReply(RequestModel):
    status: Literal["confirmed", "disputed", "no_reply"]
    confirmed_balance: AmountIn | None = Field(
        default=None,
        description="The balance the customer states; `confirmed` without one takes the "
        "book balance",
    )
    confirmed_on: BusinessDate | None = Field(
        default=None, description="The day of the reply, from `as_of` to today; default today"
    )
    confirmed_by: ShortText | None = Field(default=None, description="The customer's signatory")
    note: Text | None = None
    evidence: EvidenceList | None = Field(
        default=None, description="Replaces the links when given (the signed reply, ...)"
    )


class ConfirmationOut(BaseModel):
    id: str
    customer_id: str
    as_of: date
    currency: str
    book_balance: AmountOut = Field(
        description="The customer's net position in the service at the end of `as_of`"
    )
    status: ConfirmationStatus
    confirmed_balance: AmountOut | None
    difference: AmountOut | None = Field(description="confirmed_balance - book_balance")
    confirmed_on: date | None
    confirmed_by: str | None
    note: str | None
    evidence: list[EvidenceOut]
    version: int
    created_by: str
    created_at: Timestamp
    updated_at: Timestamp


class LegalActionCreate(RequestModel):
    kind: LegalActionKind
    filed_on: BusinessDate = Field(description="Today or earlier")
    court: ShortText | None = None
    case_no: ShortText | None = None
    evidence: EvidenceList = Field(default_factory=list)


class LegalActionOut(BaseModel):
    id: str
    invoice_id: str
    customer_id: str
    kind: LegalActionKind
    filed_on: date
    court: str | None
    case_no: str | None
    evidence: list[EvidenceOut]
    created_by: str
    created_at: Timestamp


class InterruptionOut(BaseModel):
    on: date
    kind: Literal["demand", "promise", "payment", "confirmation", "legal_action"]
    ref: str = Field(description="The interaction, promise, payment, confirmation or legal action")


class PeriodOut(BaseModel):
    starts_on: date
    expires_on: date = Field(description="The last day an action can be filed")
    last_interruption: InterruptionOut | None


class InvoiceLimitationOut(BaseModel):
    invoice_id: str
    status: str
    due_date: date
    limitation: PeriodOut | None = Field(description="null once paid, void or written off")
    days_left: int | None
    expired: bool | None
    interruptions: list[InterruptionOut] = Field(description="Every interruption, oldest first")


class LimitationLineOut(BaseModel):
    kind: Literal["invoice", "installment"]
    id: str
    customer_id: str
    customer_name: str
    ref: str
    due_date: date
    currency: str
    outstanding: AmountOut
    limitation: PeriodOut
    days_left: int
    expired: bool


class LimitationReportOut(BaseModel):
    as_of: date
    within_days: int
    lines: list[LimitationLineOut]

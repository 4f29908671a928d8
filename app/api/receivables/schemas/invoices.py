"""Invoice schemas."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from app.api.schemas import (
    AmountIn,
    AmountOut,
    BusinessDate,
    CurrencyCode,
    ExternalId,
    RequestModel,
    Text,
    Timestamp,
)
from app.domain.receivables.invoices import InvoiceStatus


class InvoiceCreate(RequestModel):
    customer_id: UUID
    contract_id: UUID | None = None
    installment_id: UUID | None = Field(
        default=None, description="May not exceed what the installment has un-invoiced"
    )
    external_id: ExternalId | None = Field(default=None, description="The invoice number")
    amount: AmountIn
    currency: CurrencyCode
    issued_on: BusinessDate
    due_date: BusinessDate | None = Field(
        default=None,
        description="Absent: issued_on plus the payment terms of the contract, else of the "
        "customer (422 when neither has terms)",
    )


class InvoicePatch(RequestModel):
    """Corrections while the invoice is open; the amount may not drop below what is paid."""

    external_id: ExternalId | None = None
    amount: AmountIn | None = None
    issued_on: BusinessDate | None = None
    due_date: BusinessDate | None = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> InvoicePatch:
        for name in ("amount", "issued_on", "due_date"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ReasonIn(RequestModel):
    reason: Text


class OptionalReasonIn(RequestModel):
    reason: Text | None = None


class ResolveIn(RequestModel):
    note: Text | None = None


class HoldIn(RequestModel):
    reason: Text
    until: BusinessDate = Field(description="Last day of the hold (inclusive)")


class HoldOut(BaseModel):
    reason: str
    until: date


class InvoiceOut(BaseModel):
    id: str
    external_id: str | None
    customer_id: str
    contract_id: str | None
    installment_id: str | None
    amount: AmountOut
    currency: str
    issued_on: date
    due_date: date
    status: InvoiceStatus
    amount_paid: AmountOut
    outstanding: AmountOut
    written_off_amount: AmountOut
    overdue: bool
    days_overdue: int
    late_fee_accrued: AmountOut | None = Field(
        description="Simple daily interest on the overdue outstanding; null without a rate"
    )
    disputed: bool
    dispute_reason: str | None
    disputed_at: Timestamp | None
    hold: HoldOut | None
    on_hold: bool
    dunning_level: int
    voided_at: Timestamp | None
    void_reason: str | None
    written_off_at: Timestamp | None
    write_off_reason: str | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp

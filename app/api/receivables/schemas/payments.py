"""Payment and allocation schemas."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

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
from app.domain.receivables.payments import PaymentStatus


class AllocationIn(RequestModel):
    invoice_id: UUID
    amount: AmountIn


Allocations = Annotated[list[AllocationIn], Field(max_length=500)]


class PaymentCreate(RequestModel):
    customer_id: UUID
    external_id: ExternalId | None = Field(default=None, description="Bank or ERP reference")
    amount: AmountIn
    currency: CurrencyCode
    received_on: BusinessDate
    method: Annotated[str, Field(min_length=1, max_length=50)] | None = Field(
        default=None, examples=["bank_transfer"]
    )
    reference: Text | None = Field(
        default=None, description="Free text; invoice numbers found in it are paid first"
    )
    allocations: Allocations | None = Field(
        default=None,
        description="Omit to allocate automatically; [] leaves the payment unallocated",
    )


class AllocateIn(RequestModel):
    allocations: Allocations | None = Field(
        default=None, description="Omit to allocate the unallocated rest automatically"
    )


class ReverseIn(RequestModel):
    reason: Text | None = None


class AllocationOut(BaseModel):
    id: str
    payment_id: str
    invoice_id: str
    amount: AmountOut
    created_at: Timestamp
    undone_at: Timestamp | None
    undone_reason: str | None = Field(examples=["undone", "reversed"])


class PaymentOut(BaseModel):
    id: str
    external_id: str | None
    customer_id: str
    amount: AmountOut
    currency: str
    received_on: date
    method: str | None
    reference: str | None
    status: PaymentStatus
    allocated_amount: AmountOut
    unallocated_amount: AmountOut
    allocations: list[AllocationOut] = Field(description="Undone ones too, stamped undone_at")
    reversed_at: Timestamp | None
    reversal_reason: str | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp

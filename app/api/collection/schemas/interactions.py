"""Interaction and promise schemas."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from app.api.schemas import (
    AmountIn,
    AmountOut,
    BusinessDate,
    BusinessTimestamp,
    CurrencyCode,
    EvidenceList,
    EvidenceOut,
    LongText,
    RequestModel,
    Text,
    Timestamp,
)
from app.domain.collection.interactions import Channel
from app.domain.collection.promises import PromiseStatus


class PromiseIn(RequestModel):
    amount: AmountIn
    currency: CurrencyCode
    promised_date: BusinessDate = Field(description="Today or later")


class InteractionCreate(RequestModel):
    customer_id: UUID
    invoice_id: UUID | None = None
    channel: Channel
    occurred_at: BusinessTimestamp = Field(examples=["2026-11-27T08:00:00Z"])
    summary: LongText
    outcome: Text | None = None
    promise: PromiseIn | None = Field(default=None, description="A promise to pay, if made")
    demand: bool = Field(
        default=False,
        description="A demand for payment: by `letter`, `email` or `visit` and with at least "
        "one evidence link, it starts the limitation period again (PRC Civil Code art. 195)",
    )
    evidence: EvidenceList = Field(default_factory=list)


class PromiseOut(BaseModel):
    id: str
    interaction_id: str
    customer_id: str
    invoice_id: str | None
    amount: AmountOut
    currency: str
    promised_date: date
    made_on: date = Field(description="Payments received from this day on count")
    status: PromiseStatus
    paid_amount: AmountOut = Field(description="What counts toward the promise so far")
    remaining: AmountOut
    kept_at: Timestamp | None
    broken_at: Timestamp | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class RecordedByOut(BaseModel):
    api_key: str
    user: str | None


class InteractionOut(BaseModel):
    id: str
    customer_id: str
    invoice_id: str | None
    channel: Channel
    occurred_at: Timestamp
    summary: str
    outcome: str | None
    recorded_by: RecordedByOut
    promise: PromiseOut | None
    demand: bool
    evidence: list[EvidenceOut]
    created_at: Timestamp

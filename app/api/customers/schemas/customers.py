"""Customer schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from app.api.schemas import (
    AmountIn,
    AmountOut,
    CurrencyCode,
    ExternalId,
    RequestModel,
    SeverityName,
    ShortText,
    Timestamp,
)
from app.domain.customers.customers import CreditRating

PaymentTerms = Annotated[int, Field(ge=0, le=3650, description="Days from issue to due date")]


class ContactIn(RequestModel):
    name: ShortText
    email: Annotated[str, Field(max_length=200)] | None = None
    phone: Annotated[str, Field(max_length=50)] | None = None
    role: Annotated[str, Field(max_length=100)] | None = None


class CustomerCreate(RequestModel):
    name: ShortText = Field(examples=["上海某某科技有限公司"])
    currency: CurrencyCode | None = Field(
        default=None,
        description="Default currency of the customer's business; "
        "`HUIKUAN_DEFAULT_CURRENCY` (CNY unless configured) when absent",
    )
    external_id: ExternalId | None = Field(default=None, description="The ERP's customer number")
    credit_rating: CreditRating | None = None
    credit_limit: AmountIn | None = Field(default=None, description="In the customer's currency")
    payment_terms_days: PaymentTerms | None = Field(
        default=30,
        description="Days from issue to due of an invoice created without a due "
        "date (when its contract has none); null: no agreed terms",
    )
    contacts: list[ContactIn] = Field(default_factory=list, max_length=50)


class CustomerPatch(RequestModel):
    """Only the fields present are changed; send ``null`` to clear an optional one."""

    name: ShortText | None = None
    currency: CurrencyCode | None = None
    external_id: ExternalId | None = None
    credit_rating: CreditRating | None = None
    credit_limit: AmountIn | None = None
    payment_terms_days: PaymentTerms | None = None
    contacts: list[ContactIn] | None = Field(default=None, max_length=50)

    @model_validator(mode="after")
    def _required_stay_set(self) -> CustomerPatch:
        for name in ("name", "currency", "contacts"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ContactOut(BaseModel):
    name: str
    email: str | None
    phone: str | None
    role: str | None


class CustomerOut(BaseModel):
    id: str
    external_id: str | None
    name: str
    currency: str
    credit_rating: CreditRating | None
    credit_limit: AmountOut | None
    payment_terms_days: int | None
    contacts: list[ContactOut]
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class BalanceOut(BaseModel):
    currency: str
    outstanding: AmountOut = Field(description="Open invoices, less what is paid")
    overdue: AmountOut = Field(description="The part of it past its due date")


class RiskSummaryOut(BaseModel):
    open_flags: int = Field(description="Open or mitigating flags on it, its contracts, invoices")
    highest_severity: SeverityName | None


class CustomerDetailOut(CustomerOut):
    balances: list[BalanceOut] = Field(description="What the customer owes, per currency")
    risk: RiskSummaryOut

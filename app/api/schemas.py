"""Building blocks shared by every schema: strict requests, money, pages, problems."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from app.domain.money import MINOR_UNITS


class RequestModel(BaseModel):
    """Every request body: unknown fields are refused (422), strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _amount(value: Any) -> Any:
    if isinstance(value, (bool, float)):
        raise ValueError("send amounts as decimal strings or exact JSON numbers")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip()
        if not text or any(c not in "0123456789.-+" for c in text):
            raise ValueError('amount must be a decimal number like "1234.50"')
        return Decimal(text)
    return value


def _currency(value: Any) -> Any:
    if isinstance(value, str) and value.upper() in MINOR_UNITS:
        return value.upper()
    raise ValueError("currency must be an ISO 4217 code such as CNY, USD or JPY")


AmountIn = Annotated[
    Decimal,
    BeforeValidator(_amount),
    Field(allow_inf_nan=False, examples=["1234.50"]),
]
"""An amount as sent by a client: a decimal string or an exact JSON number."""

DecimalIn = Annotated[
    Decimal,
    BeforeValidator(_amount),
    Field(allow_inf_nan=False),
]
"""A decimal that is not money (a percentage, a rate): a string or an exact JSON number."""

CurrencyCode = Annotated[
    str,
    BeforeValidator(_currency),
    Field(json_schema_extra={"examples": ["CNY"]}, pattern="^[A-Z]{3}$"),
]

AmountOut = Annotated[
    str,
    Field(
        description="Decimal string with the currency's minor units",
        examples=["1234.50"],
        pattern=r"^-?\d+(\.\d+)?$",
    ),
]

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def _business_date(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"dates must lie between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


BusinessDate = Annotated[date, AfterValidator(_business_date)]
"""A calendar date a business would use: year 1900 to 2199 (no date arithmetic overflows)."""

Timestamp = Annotated[
    str, Field(json_schema_extra={"format": "date-time"}, examples=["2026-11-27T08:00:00Z"])
]
"""An RFC 3339 timestamp in UTC."""

Text = Annotated[str, Field(min_length=1, max_length=2000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
ExternalId = Annotated[str, Field(min_length=1, max_length=100)]

SeverityName = Literal["low", "medium", "high", "critical"]
"""A risk flag's severity, lowest first."""

T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end"
    )


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    errors: list[ValidationIssue] | None = None

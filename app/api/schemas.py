"""Building blocks shared by every schema: strict requests, money, pages, problems."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args, get_origin

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from app.domain.dates import OUT_OF_RANGE, in_range
from app.domain.evidence import MAX_LINKS, EvidenceLink, sha256_problem, url_problem
from app.domain.money import MINOR_UNITS
from app.domain.text import refused_character


class Multiline:
    """Marks a text field that may hold line breaks and tabs (a summary, a description)."""


MULTILINE = Multiline()


class RequestModel(BaseModel):
    """Every request body: unknown fields are refused (422), strings are stripped, and no
    text holds control characters or bidirectional overrides (``app/domain/text.py``);
    fields marked ``MULTILINE`` may hold line breaks and tabs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _plain_text(cls, value: Any, info: ValidationInfo) -> Any:
        multiline = info.field_name in _multiline_fields(cls)
        for text in _texts(value):
            reason = refused_character(text, multiline=multiline)
            if reason is not None:
                raise ValueError(reason)
        return value


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple | set | frozenset):
        yield from (item for item in value if isinstance(item, str))


def _marked(annotation: Any) -> bool:
    """True when ``annotation`` (or a union member, as in ``Text | None``) is MULTILINE."""
    if any(isinstance(meta, Multiline) for meta in getattr(annotation, "__metadata__", ())):
        return True
    return get_origin(annotation) is not None and any(_marked(a) for a in get_args(annotation))


@cache
def _multiline_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if any(isinstance(meta, Multiline) for meta in info.metadata) or _marked(info.annotation)
    )


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


def _business_date(value: date) -> date:
    if not in_range(value):
        raise ValueError(OUT_OF_RANGE)
    return value


BusinessDate = Annotated[date, AfterValidator(_business_date)]
"""A calendar date a business would use: year 1900 to 2199 (no date arithmetic overflows)."""

BusinessTimestamp = Annotated[AwareDatetime, AfterValidator(_business_date)]
"""A moment with its offset, on a date from 1900 to 2199 (comparing it cannot overflow)."""

Timestamp = Annotated[
    str, Field(json_schema_extra={"format": "date-time"}, examples=["2026-11-27T08:00:00Z"])
]
"""An RFC 3339 timestamp in UTC."""

Text = Annotated[str, Field(min_length=1, max_length=2000), MULTILINE]
"""Free text that may span lines: a reason, a note."""
LongText = Annotated[str, Field(min_length=1, max_length=4000), MULTILINE]
"""A summary, a description or a plan: may span lines."""
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


def _evidence_url(value: str) -> str:
    problem = url_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _evidence_sha256(value: str | None) -> str | None:
    if value is not None and (problem := sha256_problem(value)) is not None:
        raise ValueError(problem)
    return value


class EvidenceIn(RequestModel):
    """A link to a document in the company's own store (the service keeps links, never files)."""

    url: Annotated[str, AfterValidator(_evidence_url)] = Field(
        examples=["https://docs.example.com/contracts/HT-2026-001/acceptance.pdf"]
    )
    name: ShortText
    sha256: Annotated[str | None, AfterValidator(_evidence_sha256)] = None
    kind: ShortText | None = None


class EvidenceOut(BaseModel):
    url: str
    name: str
    sha256: str | None
    kind: str | None


EvidenceList = Annotated[list[EvidenceIn], Field(max_length=MAX_LINKS)]
"""Evidence links: http(s) only, at most 50."""


def evidence_of(links: list[EvidenceIn]) -> tuple[EvidenceLink, ...]:
    """The domain's evidence links from a request's (already checked by the schema)."""
    return tuple(
        EvidenceLink(url=link.url, name=link.name, sha256=link.sha256, kind=link.kind)
        for link in links
    )

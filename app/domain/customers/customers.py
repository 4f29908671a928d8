"""Customers: who owes us money, their credit standing and how to reach them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from app.domain.errors import ValidationFailed
from app.domain.money import Money, minor_units, require_non_negative

MAX_NAME_LENGTH = 200
DEFAULT_PAYMENT_TERMS_DAYS = 30


class CreditRating(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    email: str | None = None
    phone: str | None = None
    role: str | None = None


@dataclass(slots=True)
class Customer:
    id: UUID
    name: str
    currency: str
    created_at: datetime
    updated_at: datetime
    external_id: str | None = None
    credit_rating: CreditRating | None = None
    credit_limit: Money | None = None
    # None: no agreed terms (an invoice without a due date then needs its contract's).
    payment_terms_days: int | None = DEFAULT_PAYMENT_TERMS_DAYS
    contacts: tuple[Contact, ...] = ()
    version: int = 1

    def __post_init__(self) -> None:
        validate_customer(self)


EDITABLE_FIELDS = (
    "name",
    "external_id",
    "credit_rating",
    "credit_limit",
    "currency",
    "payment_terms_days",
    "contacts",
)


def validate_customer(customer: Customer) -> None:
    name = customer.name.strip()
    if not name:
        raise ValidationFailed("name must not be empty", loc=("name",))
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(f"name is longer than {MAX_NAME_LENGTH} characters", ("name",))
    minor_units(customer.currency)
    terms = customer.payment_terms_days
    if terms is not None and not 0 <= terms <= 3650:
        raise ValidationFailed("payment_terms_days must be within 0..3650", ("payment_terms_days",))
    if customer.credit_limit is not None:
        require_non_negative(customer.credit_limit, "credit_limit")
        if customer.credit_limit.currency != customer.currency:
            raise ValidationFailed(
                "credit_limit is kept in the customer's currency", loc=("credit_limit",)
            )


def change_customer(
    customer: Customer, values: dict[str, Any], now: datetime
) -> tuple[Customer, dict[str, tuple[Any, Any]]]:
    """Apply a partial update; returns the new customer and ``{field: (before, after)}``."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"fields cannot be changed: {sorted(unknown)}")
    if "currency" in values and "credit_limit" not in values and customer.credit_limit:
        limit = Money.of(customer.credit_limit.amount, values["currency"])
        values = {**values, "credit_limit": limit}
    changed = {
        name: (getattr(customer, name), value)
        for name, value in values.items()
        if getattr(customer, name) != value
    }
    if not changed:
        return customer, {}
    updated = replace(
        customer,
        **{name: after for name, (_, after) in changed.items()},
        updated_at=now,
        version=customer.version + 1,
    )
    return updated, changed


# --- What the customer detail shows of the other contexts ------------------------------


@dataclass(frozen=True, slots=True)
class Balance:
    """What a customer owes in one currency, and how much of it is overdue."""

    currency: str
    outstanding: Money
    overdue: Money


class Labelled(Protocol):
    """A severity as the customer detail shows it (the risk flags' ``Severity``)."""

    @property
    def label(self) -> str: ...


@dataclass(frozen=True, slots=True)
class RiskSummary:
    """A customer's active flags (on the customer, its contracts and invoices)."""

    open_flags: int = 0
    highest_severity: Labelled | None = None

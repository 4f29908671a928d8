"""Customers as the API shows them, as JSON-ready dicts (the HTTP responses and the
events' ``data.object`` alike)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

from app.domain.customers.customers import Balance, Customer, RiskSummary
from app.domain.events import rfc3339
from app.services.documents import jsonable


class CustomerDocument(TypedDict):
    id: str
    external_id: str | None
    name: str
    credit_rating: str | None
    credit_limit: str | None
    currency: str
    payment_terms_days: int | None
    contacts: list[dict[str, Any]]
    version: int
    created_at: str
    updated_at: str


class BalanceDocument(TypedDict):
    currency: str
    outstanding: str
    overdue: str


class RiskSummaryDocument(TypedDict):
    open_flags: int
    highest_severity: str | None


class CustomerDetailDocument(CustomerDocument):
    balances: list[BalanceDocument]
    risk: RiskSummaryDocument


def customer_document(customer: Customer) -> CustomerDocument:
    return {
        "id": str(customer.id),
        "external_id": customer.external_id,
        "name": customer.name,
        "credit_rating": jsonable(customer.credit_rating),
        "credit_limit": jsonable(customer.credit_limit),
        "currency": customer.currency,
        "payment_terms_days": customer.payment_terms_days,
        "contacts": jsonable(list(customer.contacts)),
        "version": customer.version,
        "created_at": rfc3339(customer.created_at),
        "updated_at": rfc3339(customer.updated_at),
    }


def customer_detail_document(
    customer: Customer, balances: Sequence[Balance], risk: RiskSummary | None = None
) -> CustomerDetailDocument:
    """The customer as ``GET /v1/customers/{id}`` shows it: with what they owe per currency
    and a summary of the active risk flags on it, its contracts and its invoices."""
    risk = risk or RiskSummary()
    highest = risk.highest_severity
    return {
        **customer_document(customer),
        "balances": [
            {
                "currency": b.currency,
                "outstanding": b.outstanding.to_wire(),
                "overdue": b.overdue.to_wire(),
            }
            for b in balances
        ],
        "risk": {
            "open_flags": risk.open_flags,
            "highest_severity": None if highest is None else highest.label,
        },
    }

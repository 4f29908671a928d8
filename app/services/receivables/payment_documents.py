"""Payments and their allocations as the API shows them."""

from __future__ import annotations

from typing import TypedDict

from app.domain.events import rfc3339
from app.domain.receivables.payments import Allocation, Payment


class AllocationDocument(TypedDict):
    id: str
    payment_id: str
    invoice_id: str
    amount: str
    created_at: str
    undone_at: str | None
    undone_reason: str | None


class PaymentDocument(TypedDict):
    id: str
    external_id: str | None
    customer_id: str
    amount: str
    currency: str
    received_on: str
    method: str | None
    reference: str | None
    status: str
    allocated_amount: str
    unallocated_amount: str
    allocations: list[AllocationDocument]
    reversed_at: str | None
    reversal_reason: str | None
    version: int
    created_at: str
    updated_at: str


def allocation_document(allocation: Allocation) -> AllocationDocument:
    return {
        "id": str(allocation.id),
        "payment_id": str(allocation.payment_id),
        "invoice_id": str(allocation.invoice_id),
        "amount": allocation.amount.to_wire(),
        "created_at": rfc3339(allocation.created_at),
        "undone_at": None if allocation.undone_at is None else rfc3339(allocation.undone_at),
        "undone_reason": None
        if allocation.undone_reason is None
        else allocation.undone_reason.value,
    }


def payment_document(payment: Payment) -> PaymentDocument:
    return {
        "id": str(payment.id),
        "external_id": payment.external_id,
        "customer_id": str(payment.customer_id),
        "amount": payment.amount.to_wire(),
        "currency": payment.currency,
        "received_on": payment.received_on.isoformat(),
        "method": payment.method,
        "reference": payment.reference,
        "status": payment.status.value,
        "allocated_amount": payment.allocated_amount.to_wire(),
        "unallocated_amount": payment.unallocated_amount.to_wire(),
        "allocations": [allocation_document(a) for a in payment.allocations],
        "reversed_at": None if payment.reversed_at is None else rfc3339(payment.reversed_at),
        "reversal_reason": payment.reversal_reason,
        "version": payment.version,
        "created_at": rfc3339(payment.created_at),
        "updated_at": rfc3339(payment.updated_at),
    }

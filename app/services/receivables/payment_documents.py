"""Payments and their allocations as the API shows them."""

from __future__ import annotations

from typing import Any

from app.domain.events import rfc3339
from app.domain.receivables.payments import Allocation, Payment


def allocation_document(allocation: Allocation) -> dict[str, Any]:
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


def payment_document(payment: Payment) -> dict[str, Any]:
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

"""Invoices as the API shows them; the figures that depend on the date use ``today``."""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict

from app.domain.events import rfc3339
from app.domain.receivables.invoices import Invoice


def _id(value: object | None) -> str | None:
    return None if value is None else str(value)


def _time(value: Any) -> str | None:
    return None if value is None else rfc3339(value)


class HoldDocument(TypedDict):
    reason: str
    until: str


class InvoiceDocument(TypedDict):
    id: str
    external_id: str | None
    customer_id: str
    contract_id: str | None
    installment_id: str | None
    amount: str
    currency: str
    issued_on: str
    due_date: str
    status: str
    amount_paid: str
    outstanding: str
    written_off_amount: str
    overdue: bool
    days_overdue: int
    late_fee_accrued: str | None
    disputed: bool
    dispute_reason: str | None
    disputed_at: str | None
    hold: HoldDocument | None
    on_hold: bool
    dunning_level: int
    voided_at: str | None
    void_reason: str | None
    written_off_at: str | None
    write_off_reason: str | None
    version: int
    created_at: str
    updated_at: str


def invoice_document(invoice: Invoice, today: date) -> InvoiceDocument:
    late_fee = invoice.late_fee_accrued(today)
    return {
        "id": str(invoice.id),
        "external_id": invoice.external_id,
        "customer_id": str(invoice.customer_id),
        "contract_id": _id(invoice.contract_id),
        "installment_id": _id(invoice.installment_id),
        "amount": invoice.amount.to_wire(),
        "currency": invoice.currency,
        "issued_on": invoice.issued_on.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "status": invoice.status.value,
        "amount_paid": invoice.amount_paid.to_wire(),
        "outstanding": invoice.outstanding.to_wire(),
        "written_off_amount": invoice.written_off_amount.to_wire(),
        "overdue": invoice.is_overdue(today),
        "days_overdue": invoice.days_overdue(today),
        "late_fee_accrued": None if late_fee is None else late_fee.to_wire(),
        "disputed": invoice.disputed,
        "dispute_reason": invoice.dispute_reason,
        "disputed_at": _time(invoice.disputed_at),
        "hold": (
            None
            if invoice.hold is None
            else {"reason": invoice.hold.reason, "until": invoice.hold.until.isoformat()}
        ),
        "on_hold": invoice.on_hold(today),
        "dunning_level": invoice.dunning_level,
        "voided_at": _time(invoice.voided_at),
        "void_reason": invoice.void_reason,
        "written_off_at": _time(invoice.written_off_at),
        "write_off_reason": invoice.write_off_reason,
        "version": invoice.version,
        "created_at": rfc3339(invoice.created_at),
        "updated_at": rfc3339(invoice.updated_at),
    }

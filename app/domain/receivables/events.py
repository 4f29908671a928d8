"""Domain events of the receivables (see ``app/services/unit_of_work.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from app.domain.events import DomainEvent
from app.domain.receivables.invoices import Invoice
from app.domain.receivables.payments import Allocation, Payment


@dataclass(frozen=True, slots=True)
class PaymentAllocated(DomainEvent):
    """A payment was recorded and allocated (possibly to nothing), or allocated later.

    ``looked_at`` is set when the allocation was automatic at recording: the invoices it
    looked at, as they were before it. ``payer_has_open_promise`` is False when the payer's
    lock found no open promise (so nothing need be asked about promises).
    """

    payment: Payment
    allocations: tuple[Allocation, ...]
    looked_at: Mapping[UUID, Invoice] | None = None
    payer_has_open_promise: bool = True


@dataclass(frozen=True, slots=True)
class InvoiceDisputed(DomainEvent):
    invoice: Invoice


@dataclass(frozen=True, slots=True)
class InvoiceDisputeResolved(DomainEvent):
    invoice: Invoice
    note: str | None

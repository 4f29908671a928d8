"""Domain events of the customers (see ``app/services/unit_of_work.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from app.domain.events import DomainEvent


@dataclass(frozen=True, slots=True)
class CreditExposureChanged(DomainEvent):
    """What the customer owes may now stand higher against its credit limit: an invoice
    was issued or raised, an allocation taken back, or the limit or currency changed."""

    customer_id: UUID


@dataclass(frozen=True, slots=True)
class CreditExposuresChanged(DomainEvent):
    """:class:`CreditExposureChanged` for many customers at once (invoices created together)."""

    customer_ids: tuple[UUID, ...]

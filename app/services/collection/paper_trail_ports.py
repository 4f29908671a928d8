"""Ports of the paper trail that keeps debts collectable: balance confirmations, legal
actions and the limitation periods their interruptions make (PostgreSQL only: tested on it,
never faked)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

from app.domain.collection.confirmations import Confirmation, LegalAction
from app.domain.collection.limitation import Interruption, ReceivableKind
from app.domain.money import Money
from app.services.collection.ports import CollectionJobUnitOfWork, CollectionUnitOfWork
from app.services.pagination import PageRequest


@dataclass(frozen=True, slots=True)
class Receivable:
    """An open receivable as the limitation rules see it: an invoice, or an installment no
    (non-void) invoice covers yet, with the latest interruption after its due date."""

    kind: ReceivableKind
    id: UUID
    customer_id: UUID
    customer_name: str
    ref: str  # the invoice's external id or the installment's name
    due_date: date
    outstanding: Money
    last_interruption: Interruption | None
    contract_id: UUID | None = None
    invoiced: bool = False  # an installment some invoice covers now (the invoice counts)


@dataclass(frozen=True, slots=True)
class LimitationChecked:
    kind: ReceivableKind
    id: UUID
    due_date: date  # the due date looked at (an installment's new due date is looked at anew)
    next_check_on: date  # date.max: nothing more to look at until the receivable changes


class ConfirmationRepository(Protocol):
    async def add(self, confirmation: Confirmation) -> None: ...

    async def get(self, customer_id: UUID, confirmation_id: UUID) -> Confirmation | None: ...

    async def lock(self, customer_id: UUID, confirmation_id: UUID) -> Confirmation | None:
        """The confirmation, locked for its reply."""

    async def save(self, confirmation: Confirmation) -> None: ...

    async def list(self, customer_id: UUID, page: PageRequest) -> Sequence[Confirmation]:
        """Newest ``as_of`` first, then by id."""


class LegalActionRepository(Protocol):
    async def add(self, action: LegalAction) -> None: ...


class LimitationQueries(Protocol):
    # ``zone``: HUIKUAN_TIMEZONE, the calendar an interaction's ``occurred_at`` or a
    # reversal's ``reversed_at`` falls on.

    async def book_balance(self, customer_id: UUID, currency: str, day: date, zone: str) -> Money:
        """The customer's net position at the end of ``day``: invoices issued minus voided
        and written off, minus payments received and not reversed by then."""

    async def currencies_of(self, customer_id: UUID) -> set[str]:
        """The currencies the customer has invoices or payments in."""

    async def history(self, invoice_id: UUID, zone: str) -> Sequence[Interruption]:
        """Every interruption that reaches the invoice, oldest first."""

    async def receivables(
        self,
        zone: str,
        *,
        customer_id: UUID | None = None,
        invoice_id: UUID | None = None,
        due_by: date | None = None,
    ) -> Sequence[Receivable]:
        """Open receivables (of one customer or one invoice, or all; due on or before
        ``due_by`` when given), with their latest interruption."""

    async def lock_invoices_to_check(
        self, latest_due: date, today: date, limit: int, zone: str
    ) -> Sequence[Receivable]:
        """Open invoices the limitation check must look at: never looked at and due on or
        before ``latest_due``, or due for another look by ``today``; locked, skipping those
        others hold."""

    async def lock_installments_to_check(
        self, latest_due: date, today: date, limit: int, zone: str
    ) -> Sequence[Receivable]:
        """Live installments the check must look at: never looked at for their due date and
        due on or before ``latest_due``, or due for another look by ``today``; locked."""

    async def finish_checks(self, checked: Sequence[LimitationChecked]) -> None: ...

    async def check_again(self, *, invoice_id: UUID) -> None:
        """The invoice's period may have changed: the check looks at it on its next run."""


class LimitationReader(Protocol):
    """What a read of limitation periods needs (the limitation report, the progress review)."""

    @property
    def limitation(self) -> LimitationQueries: ...


class PaperTrailUnitOfWork(CollectionUnitOfWork, Protocol):
    @property
    def confirmations(self) -> ConfirmationRepository: ...

    @property
    def legal_actions(self) -> LegalActionRepository: ...

    @property
    def limitation(self) -> LimitationQueries: ...


class LimitationJobUnitOfWork(CollectionJobUnitOfWork, PaperTrailUnitOfWork, Protocol):
    """The unit of work the limitation check runs in."""


class LimitationJobUnitOfWorkFactory(Protocol):
    def __call__(self) -> LimitationJobUnitOfWork: ...

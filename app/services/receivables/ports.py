"""Ports of the receivables: contracts with their installments, invoices, payments, the
due-soon scan queues, and the units of work the use cases and the due-soon job run in.

Each aggregate has a repository, the write side (add, get, lock, save and the writes
that go with them), which the test fakes implement and ``tests/contract`` holds to the
database's behaviour; and its queries, the read side (lists, ledgers, balances), which
are tested on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from app.domain.customers.customers import Balance
from app.domain.money import Money
from app.domain.receivables.contracts import Contract, Installment, InstallmentChange
from app.domain.receivables.installments import Ledger
from app.domain.receivables.invoices import Invoice, InvoiceStatus
from app.domain.receivables.payments import Allocation, Payment, PaymentStatus
from app.domain.receivables.plans import PlanChange
from app.services.customers.ports import CustomerRepository
from app.services.jobs import FindingRepository, Scanned
from app.services.pagination import PageRequest
from app.services.unit_of_work import UnitOfWork


class ContractRepository(Protocol):
    """Contracts with their live installments; the installments' history is written here.

    ``save`` writes the contract's own fields but not its id, customer, currency or
    ``created_at`` (fixed at creation), nor its installments (:meth:`save_plan`) nor its
    milestones (:meth:`save_milestones`).

    Locks (``lock=True``, :meth:`lock_installments`) are row locks held until the unit of
    work ends; see docs/architecture.md ("Lock order") for the one order they are taken in.
    """

    async def add(self, contract: Contract) -> None:
        """Insert the contract and its installments.

        Raises DuplicateExternalId, or UnknownReference when the customer does not exist.
        """

    async def get(self, contract_id: UUID, *, lock: bool = False) -> Contract | None: ...

    async def save(self, contract: Contract, expected_version: int) -> None:
        """Write back the contract's own fields; raises StaleVersion when someone else won."""

    async def save_plan(self, change: PlanChange, at: datetime) -> None:
        """Insert added installments, rewrite kept ones, mark removed ones removed."""

    async def save_milestones(self, contract: Contract) -> None:
        """Write the contract's milestones as they are (``add`` writes them too)."""

    async def lock_installments(self, installment_ids: Collection[UUID]) -> Sequence[Installment]:
        """Lock live installments in id order; unknown or removed ones are left out."""

    async def add_history(self, changes: Sequence[InstallmentChange]) -> None: ...


@dataclass(frozen=True, slots=True)
class UnbilledInstallment:
    """An installment due but not fully invoiced: ``unbilled`` is what no invoice covers."""

    installment: Installment
    customer_id: UUID
    contract_name: str
    unbilled: Money


class ContractQueries(Protocol):
    """The read side of contracts: lists, the installments' history, unbilled work."""

    async def unbilled(
        self,
        due_by: date,
        *,
        customer_id: UUID | None = None,
        contract_ids: Collection[UUID] | None = None,
        limit: int = 500,
    ) -> Sequence[UnbilledInstallment]:
        """Live installments due on or before ``due_by`` (today less
        HUIKUAN_UNBILLED_AFTER_DAYS: :func:`unbilled_due_by`) with something no non-void
        invoice covers, oldest due date first. Awaiting installments never are."""

    async def list(
        self,
        *,
        customer_id: UUID | None,
        external_id: str | None,
        owner: str | None,
        page: PageRequest,
        project_id: UUID | None = None,
    ) -> Sequence[Contract]: ...

    async def history(self, installment_id: UUID) -> Sequence[InstallmentChange]:
        """Oldest first."""


@dataclass(frozen=True, slots=True)
class InvoiceFilter:
    customer_id: UUID | None = None
    contract_id: UUID | None = None
    status: InvoiceStatus | None = None
    overdue: bool | None = None
    due_before: date | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class PayerGroup:
    """Payments of one customer (by external id) in one currency, allocated together:
    ``available`` is their total, ``reference`` all their references, ``pay_first`` all
    the invoices they name."""

    customer_external_id: str
    available: Money
    reference: str
    pay_first: tuple[UUID, ...]


@dataclass(frozen=True, slots=True)
class LockedPayers:
    """What :meth:`InvoiceRepository.lock_payers_and_candidates` holds until the unit of work
    ends: the payers that exist (``{external_id: id}``), which of them have a promise still
    open, and the invoices their payments can reach."""

    payers: dict[str, UUID]
    promised: frozenset[UUID]
    invoices: Sequence[Invoice]


@dataclass(frozen=True, slots=True)
class CreditExposure:
    credit_limit: Money | None
    outstanding: Money


class InvoiceRepository(Protocol):
    """The invoice aggregate, and the writes that move its running total.

    ``amount_paid`` moves only with allocations, through :meth:`add_paid` (and
    ``PaymentRepository.add_allocated``): :meth:`save` leaves the stored ``amount_paid``
    as it is, whatever the invoice handed to it says. Reads carry the contract's
    ``late_fee_rate``.
    """

    async def add(self, invoice: Invoice) -> None:
        """Insert; raises DuplicateExternalId, or UnknownReference for an unknown customer."""

    async def add_many(self, invoices: Sequence[Invoice]) -> None:
        """Insert several in one statement; raises as :meth:`add` (then none is inserted)."""

    async def get(self, invoice_id: UUID, *, lock: bool = False) -> Invoice | None: ...

    async def get_many(
        self, invoice_ids: Collection[UUID], *, lock: bool = False
    ) -> Sequence[Invoice]:
        """The invoices that exist, in id order (and locked in that order with ``lock``)."""

    async def lock_allocation_candidates(
        self,
        customer_id: UUID,
        available: Money,
        reference: str | None,
        pay_first: Collection[UUID],
    ) -> Sequence[Invoice]:
        """Lock, in id order, the customer's open invoices in ``available``'s currency that
        automatic allocation may reach: those in ``pay_first``, those whose number occurs in
        ``reference``, and, oldest due first, undisputed ones until ``available`` is covered.

        Any superset is correct (the policy picks from it); with the customer locked this
        one is exact, so only the rows a payment can touch are loaded and locked.
        """

    async def lock_payers_and_candidates(self, groups: Sequence[PayerGroup]) -> LockedPayers:
        """Lock the groups' customers, noting those with an open promise, then, like
        :meth:`lock_allocation_candidates`, the invoices each group's payments can reach;
        both in id order."""

    async def save(self, invoice: Invoice, expected_version: int) -> None:
        """Write back an invoice changed by an action, except its id, customer, contract,
        installment, ``created_at`` and ``amount_paid`` (see the class docstring); raises
        StaleVersion when the stored version is not ``expected_version`` (or the invoice
        does not exist)."""

    async def rearm_overdue_scans(self, today: date) -> int:
        """Make the overdue scan look at every overdue open invoice again on its next run
        (the dunning policy changed); returns how many."""

    async def add_paid(self, amounts: Mapping[UUID, Money], at: datetime) -> None:
        """Add (or with negative amounts, take back) to each invoice's ``amount_paid``,
        bumping its version and stamping ``updated_at`` with ``at``."""


class InvoiceQueries(Protocol):
    """The read side of invoices: lists, and what they total up to. The use cases that
    change things read some of these too (ledgers for a plan change, exposure for the
    risk rules); the test fakes answer those from their rows, checked by tests/contract."""

    async def list(
        self, filters: InvoiceFilter, today: date, page: PageRequest
    ) -> Sequence[Invoice]: ...

    async def installment_ledgers(
        self, installment_ids: Collection[UUID], today: date
    ) -> dict[UUID, Ledger]:
        """Totals of the (non-void) invoices of each installment."""

    async def contract_ledgers(
        self, contract_ids: Collection[UUID], today: date
    ) -> dict[UUID, Ledger]:
        """Totals of the (non-void) invoices of each contract; overdue without installment."""

    async def customer_balances(self, customer_id: UUID, today: date) -> Sequence[Balance]:
        """Outstanding and overdue per currency, currencies in alphabetical order."""

    async def credit_exposure(self, customer_id: UUID) -> CreditExposure | None:
        """The customer's credit limit beside what its open invoices in the customer's
        currency have outstanding (one statement); None for an unknown customer."""

    async def credit_exposures(
        self, customer_ids: Collection[UUID]
    ) -> Mapping[UUID, CreditExposure]:
        """:meth:`credit_exposure` of those of ``customer_ids`` that have a credit limit, in
        one statement."""

    async def any_open_with_outstanding(
        self, customer_id: UUID, amount: Money, excluding: Collection[UUID]
    ) -> bool:
        """Whether one of the customer's open invoices (other than ``excluding``) has
        exactly ``amount`` outstanding."""


class PaymentRepository(Protocol):
    """The payment aggregate with its allocations. There is no ``save``: a payment changes
    only by gaining allocations or undoing them, and each of those writes moves
    ``allocated_amount`` by what it adds or takes back (the database's sum, checked by it)
    and bumps the version."""

    async def add(self, payment: Payment) -> None:
        """Insert the payment and its allocations.

        Raises DuplicateExternalId, or UnknownReference when the customer does not exist.
        """

    async def add_allocated(
        self, payments: Sequence[Payment], paid: Mapping[UUID, Money], at: datetime
    ) -> None:
        """Insert new payments with their allocations, and add ``paid`` to the invoices'
        ``amount_paid`` (stamped ``at``), all at once.

        Raises DuplicateExternalId or UnknownReference like :meth:`add`.
        """

    async def get(self, payment_id: UUID, *, lock: bool = False) -> Payment | None:
        """With all its allocations, undone ones included, oldest first."""

    async def add_allocations(self, payment: Payment, allocations: Sequence[Allocation]) -> None:
        """Insert allocations and bring the payment row to ``payment`` (already including them)."""

    async def mark_undone(self, payment: Payment, allocations: Sequence[Allocation]) -> None:
        """Stamp allocations undone and bring the payment row to ``payment``."""


class PaymentQueries(Protocol):
    """The read side of payments: lists, each payment with its allocations."""

    async def list(
        self,
        *,
        customer_id: UUID | None,
        external_id: str | None,
        status: PaymentStatus | None,
        page: PageRequest,
    ) -> Sequence[Payment]: ...


class ReceivablesUnitOfWork(UnitOfWork, Protocol):
    """The unit of work the receivables use cases run in."""

    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def contracts(self) -> ContractRepository: ...

    @property
    def contract_queries(self) -> ContractQueries: ...

    @property
    def invoices(self) -> InvoiceRepository: ...

    @property
    def invoice_queries(self) -> InvoiceQueries: ...

    @property
    def payments(self) -> PaymentRepository: ...

    @property
    def payment_queries(self) -> PaymentQueries: ...


@dataclass(frozen=True, slots=True)
class InstallmentToScan:
    installment: Installment
    ledger: Ledger  # totals of its invoices, for its figures
    customer_id: UUID
    contract_name: str

    @property
    def due_date(self) -> date:
        """Scans range over due dates, so they never read an installment awaiting one."""
        assert self.installment.due_date is not None, "scans read installments with a due date"
        return self.installment.due_date


class DueSoonScans(Protocol):
    """The due-soon and unbilled scan queues (see ``app/services/jobs.py``), and the
    overdue sum."""

    async def installments_due_soon_to_scan(
        self, today: date, until: date, limit: int
    ) -> Sequence[InstallmentToScan]:
        """Live installments due from today to ``until`` not yet scanned for that date."""

    async def mark_installments_due_soon_scanned(self, scanned: Sequence[Scanned]) -> None: ...

    async def invoices_due_soon_to_scan(
        self, today: date, until: date, limit: int
    ) -> Sequence[Invoice]:
        """Open invoices due from today to ``until`` not yet scanned for that date."""

    async def mark_invoices_due_soon_scanned(self, scanned: Sequence[Scanned]) -> None: ...

    async def overdue_amounts(self, today: date) -> Sequence[Money]:
        """What open invoices past their due date have outstanding, per currency."""

    async def installments_unbilled_to_scan(
        self, due_by: date, limit: int
    ) -> Sequence[InstallmentToScan]:
        """Live installments due on or before ``due_by`` not yet scanned for that date
        (installments awaiting a milestone have no due date: never)."""

    async def mark_installments_unbilled_scanned(self, scanned: Sequence[Scanned]) -> None: ...


class ReceivablesJobUnitOfWork(UnitOfWork, Protocol):
    """The unit of work the due-soon and unbilled-scan jobs run in."""

    @property
    def scans(self) -> DueSoonScans: ...

    @property
    def findings(self) -> FindingRepository: ...


class ReceivablesJobUnitOfWorkFactory(Protocol):
    def __call__(self) -> ReceivablesJobUnitOfWork: ...

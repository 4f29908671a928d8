"""In-memory fakes of the receivables repositories (contracts, invoices, payments).

Locks are no-ops: unit tests run one use case at a time. Reads return copies, so a use
case only changes what it writes back, as with the database.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from app.domain.customers.customers import Balance
from app.domain.errors import Conflict, DuplicateExternalId, StaleVersion, UnknownReference
from app.domain.money import Money
from app.domain.receivables.contracts import Contract, Installment, InstallmentChange
from app.domain.receivables.installments import Ledger
from app.domain.receivables.invoices import PAYABLE, Invoice, InvoiceStatus
from app.domain.receivables.payments import Allocation, Payment
from app.domain.receivables.plans import PlanChange
from app.services.pagination import PageRequest
from app.services.receivables.ports import (
    CreditExposure,
    InvoiceFilter,
    LockedPayers,
    PayerGroup,
    UnbilledInstallment,
)
from tests.fakes_lists import not_faked


class HasId(Protocol):
    @property
    def id(self) -> UUID: ...


T = TypeVar("T", bound=HasId)


def _page(rows: list[T], page: PageRequest) -> list[T]:
    if page.after:
        rows = [r for r in rows if r.id > page.after_uuid()]
    return rows[: page.fetch]


class Customers(Protocol):
    @property
    def rows(self) -> Mapping[UUID, Any]: ...


class FakeContractRepository:
    def __init__(self, customers: Customers) -> None:
        self.customers = customers
        self.rows: dict[UUID, Contract] = {}
        self.installments: dict[UUID, Installment] = {}
        self.removed: set[UUID] = set()
        self.changes: list[InstallmentChange] = []

    def snapshot(self) -> Any:
        return copy.deepcopy((self.rows, self.installments, self.removed, self.changes))

    def restore(self, state: Any) -> None:
        self.rows, self.installments, self.removed, self.changes = state

    def _with_plan(self, contract: Contract) -> Contract:
        plan = sorted(
            (
                i
                for i in self.installments.values()
                if i.contract_id == contract.id and i.id not in self.removed
            ),
            key=lambda i: i.position,
        )
        return replace(copy.deepcopy(contract), installments=tuple(plan))

    def _check_unique(self, contract: Contract) -> None:
        if contract.external_id and any(
            c.external_id == contract.external_id and c.id != contract.id
            for c in self.rows.values()
        ):
            raise DuplicateExternalId("contract", contract.external_id)

    async def add(self, contract: Contract) -> None:
        if contract.customer_id not in self.customers.rows:
            raise UnknownReference("customer", contract.customer_id, ("customer_id",))
        self._check_unique(contract)
        self.rows[contract.id] = copy.deepcopy(contract)
        self.installments.update({i.id: i for i in contract.installments})

    async def get(self, contract_id: UUID, *, lock: bool = False) -> Contract | None:
        found = self.rows.get(contract_id)
        return self._with_plan(found) if found else None

    async def save(self, contract: Contract, expected_version: int) -> None:
        current = self.rows.get(contract.id)
        if current is None or current.version != expected_version:
            raise StaleVersion("contract", expected_version)
        self._check_unique(contract)
        # Fixed at creation: the SQL save leaves them as stored; milestones have their own.
        self.rows[contract.id] = replace(
            copy.deepcopy(contract),
            customer_id=current.customer_id,
            created_at=current.created_at,
            milestones=current.milestones,
        )

    async def save_milestones(self, contract: Contract) -> None:
        current = self.rows[contract.id]
        self.rows[contract.id] = replace(current, milestones=contract.milestones)

    async def save_plan(self, change: PlanChange, at: datetime) -> None:
        self.removed.update(i.id for i in change.removed)
        self.installments.update({i.id: i for i in change.installments})

    async def lock_installments(self, installment_ids: Collection[UUID]) -> Sequence[Installment]:
        return sorted(
            (
                self.installments[i]
                for i in installment_ids
                if i in self.installments and i not in self.removed
            ),
            key=lambda i: i.id,
        )

    async def add_history(self, changes: Sequence[InstallmentChange]) -> None:
        self.changes.extend(changes)


class FakeInvoiceRepository:
    def __init__(self, customers: Customers, contracts: FakeContractRepository) -> None:
        self.customers = customers
        # Whether a customer has an open promise: the promise fake answers, once wired.
        self.has_open_promise: Callable[[UUID], bool] = lambda _customer: False
        self.contracts = contracts
        self.rows: dict[UUID, Invoice] = {}

    def _read(self, invoice: Invoice) -> Invoice:
        contract = self.contracts.rows.get(invoice.contract_id) if invoice.contract_id else None
        rate = contract.late_fee_rate if contract else None
        return replace(copy.deepcopy(invoice), late_fee_rate=rate)

    async def add_many(self, invoices: Sequence[Invoice]) -> None:
        snapshot = dict(self.rows)
        try:
            for invoice in invoices:
                await self.add(invoice)
        except Exception:
            self.rows = snapshot  # one statement: all or none
            raise

    async def add(self, invoice: Invoice) -> None:
        if invoice.customer_id not in self.customers.rows:
            raise UnknownReference("customer", invoice.customer_id, ("customer_id",))
        if invoice.external_id and any(
            i.external_id == invoice.external_id for i in self.rows.values()
        ):
            raise DuplicateExternalId("invoice", invoice.external_id)
        # The dunning level is the overdue scan's to write, as in the database.
        self.rows[invoice.id] = replace(copy.deepcopy(invoice), dunning_level=0)

    async def get(self, invoice_id: UUID, *, lock: bool = False) -> Invoice | None:
        found = self.rows.get(invoice_id)
        return self._read(found) if found else None

    async def get_many(
        self, invoice_ids: Collection[UUID], *, lock: bool = False
    ) -> Sequence[Invoice]:
        return [self._read(self.rows[i]) for i in sorted(invoice_ids) if i in self.rows]

    async def lock_allocation_candidates(
        self,
        customer_id: UUID,
        available: Money,
        reference: str | None,
        pay_first: Collection[UUID],
    ) -> Sequence[Invoice]:
        """Every open invoice of the customer: a superset, which the policy allows."""
        return [
            self._read(i)
            for i in sorted(self.rows.values(), key=lambda i: i.id)
            if i.customer_id == customer_id and i.currency == available.currency and i.payable
        ]

    async def lock_payers_and_candidates(self, groups: Sequence[PayerGroup]) -> LockedPayers:
        payers = {
            c.external_id: c.id
            for c in self.customers.rows.values()
            if any(g.customer_external_id == c.external_id for g in groups)
        }
        wanted = {
            (payers[g.customer_external_id], g.available.currency)
            for g in groups
            if g.customer_external_id in payers
        }
        invoices = [
            self._read(i)
            for i in sorted(self.rows.values(), key=lambda i: i.id)
            if (i.customer_id, i.currency) in wanted and i.payable
        ]
        promised = frozenset(c for c in payers.values() if self.has_open_promise(c))
        return LockedPayers(payers, promised, invoices)

    async def save(self, invoice: Invoice, expected_version: int) -> None:
        current = self.rows.get(invoice.id)
        if current is None or current.version != expected_version:
            raise StaleVersion("invoice", expected_version)
        # What the SQL save leaves as stored: fixed at creation, or moved by others.
        self.rows[invoice.id] = replace(
            copy.deepcopy(invoice),
            customer_id=current.customer_id,
            contract_id=current.contract_id,
            installment_id=current.installment_id,
            created_at=current.created_at,
            amount_paid=current.amount_paid,
            dunning_level=current.dunning_level,
        )

    async def rearm_overdue_scans(self, today: date) -> int:
        return 0  # the fakes keep no scan queue

    async def add_paid(self, amounts: Mapping[UUID, Money], at: datetime) -> None:
        known = {i: a for i, a in amounts.items() if i in self.rows}  # others: no row to move
        for invoice_id, amount in known.items():
            paid = self.rows[invoice_id].amount_paid + amount
            if paid.is_negative() or paid > self.rows[invoice_id].amount:
                raise Conflict("the allocation would take an invoice past its amount")
        for invoice_id, amount in known.items():
            current = self.rows[invoice_id]
            self.rows[invoice_id] = replace(
                current,
                amount_paid=current.amount_paid + amount,
                version=current.version + 1,
                updated_at=at,
            )


class FakePaymentRepository:
    def __init__(self, customers: Customers, invoices: FakeInvoiceRepository) -> None:
        self.customers = customers
        self.invoices = invoices
        self.rows: dict[UUID, Payment] = {}

    async def add(self, payment: Payment) -> None:
        if payment.customer_id not in self.customers.rows:
            raise UnknownReference("customer", payment.customer_id, ("customer_id",))
        if payment.external_id and any(
            p.external_id == payment.external_id for p in self.rows.values()
        ):
            raise DuplicateExternalId("payment", payment.external_id)
        self.rows[payment.id] = copy.deepcopy(payment)

    async def add_allocated(
        self, payments: Sequence[Payment], paid: Mapping[UUID, Money], at: datetime
    ) -> None:
        for payment in payments:
            await self.add(payment)
        await self.invoices.add_paid(paid, at)

    async def get(self, payment_id: UUID, *, lock: bool = False) -> Payment | None:
        found = self.rows.get(payment_id)
        if found is None:
            return None
        oldest_first = sorted(found.allocations, key=lambda a: (a.created_at, a.id))
        return replace(copy.deepcopy(found), allocations=tuple(oldest_first))

    async def add_allocations(self, payment: Payment, allocations: Sequence[Allocation]) -> None:
        self.rows[payment.id] = copy.deepcopy(payment)

    async def mark_undone(self, payment: Payment, allocations: Sequence[Allocation]) -> None:
        self.rows[payment.id] = copy.deepcopy(payment)


class FakeContractQueries:
    """Only the installments' history (the receivables unit tests read it back); lists are
    tested on PostgreSQL. tests/contract holds ``history`` to the SQL queries'."""

    def __init__(self, contracts: FakeContractRepository) -> None:
        self.contracts = contracts

    async def list(
        self,
        *,
        customer_id: UUID | None,
        external_id: str | None,
        owner: str | None,
        page: PageRequest,
        project_id: UUID | None = None,
    ) -> Sequence[Contract]:
        raise not_faked("contract_queries.list")

    async def unbilled(
        self,
        due_by: date,
        *,
        customer_id: UUID | None = None,
        contract_ids: Collection[UUID] | None = None,
        limit: int = 500,
    ) -> Sequence[UnbilledInstallment]:
        raise not_faked("contract_queries.unbilled")

    async def history(self, installment_id: UUID) -> Sequence[InstallmentChange]:
        found = [c for c in self.contracts.changes if c.installment_id == installment_id]
        return sorted(found, key=lambda c: (c.changed_at, c.id))


class FakeInvoiceQueries:
    """The totals that use cases which change things read (ledgers for plans, balances for
    customer views, exposure and amounts outstanding for the risk rules), from the invoice
    fake's rows; tests/contract holds each to the SQL queries'. Lists are tested on
    PostgreSQL only."""

    def __init__(self, invoices: FakeInvoiceRepository) -> None:
        self.invoices = invoices

    @property
    def rows(self) -> dict[UUID, Invoice]:
        return self.invoices.rows

    async def list(
        self, filters: InvoiceFilter, today: date, page: PageRequest
    ) -> Sequence[Invoice]:
        raise not_faked("invoice_queries.list")

    def _ledger(self, invoices: Sequence[Invoice], today: date, installment_free: bool) -> Ledger:
        currency = invoices[0].currency
        live = [i for i in invoices if i.status is not InvoiceStatus.VOID]
        overdue = [i for i in live if i.is_overdue(today)]
        if installment_free:
            overdue = [i for i in overdue if i.installment_id is None]
        return Ledger(
            invoiced=Money.sum((i.amount for i in live), currency),
            collected=Money.sum((i.amount_paid for i in live), currency),
            written_off=Money.sum((i.written_off_amount for i in live), currency),
            overdue=Money.sum((i.outstanding for i in overdue), currency),
        )

    async def installment_ledgers(
        self, installment_ids: Collection[UUID], today: date
    ) -> dict[UUID, Ledger]:
        found = {}
        for installment_id in installment_ids:
            linked = [i for i in self.rows.values() if i.installment_id == installment_id]
            if any(i.status is not InvoiceStatus.VOID for i in linked):
                found[installment_id] = self._ledger(linked, today, installment_free=False)
        return found

    async def contract_ledgers(
        self, contract_ids: Collection[UUID], today: date
    ) -> dict[UUID, Ledger]:
        found = {}
        for contract_id in contract_ids:
            linked = [i for i in self.rows.values() if i.contract_id == contract_id]
            if any(i.status is not InvoiceStatus.VOID for i in linked):
                found[contract_id] = self._ledger(linked, today, installment_free=True)
        return found

    async def customer_balances(self, customer_id: UUID, today: date) -> Sequence[Balance]:
        open_ = [
            i for i in self.rows.values() if i.customer_id == customer_id and i.status in PAYABLE
        ]
        return [
            Balance(
                currency,
                Money.sum((i.outstanding for i in open_ if i.currency == currency), currency),
                Money.sum(
                    (
                        i.outstanding
                        for i in open_
                        if i.currency == currency and i.is_overdue(today)
                    ),
                    currency,
                ),
            )
            for currency in sorted({i.currency for i in open_})
        ]

    async def credit_exposure(self, customer_id: UUID) -> CreditExposure | None:
        customer: Any = self.invoices.customers.rows.get(customer_id)
        if customer is None:
            return None
        outstanding = Money.sum(
            (
                i.outstanding
                for i in self.rows.values()
                if i.customer_id == customer_id and i.currency == customer.currency and i.payable
            ),
            customer.currency,
        )
        return CreditExposure(customer.credit_limit, outstanding)

    async def credit_exposures(
        self, customer_ids: Collection[UUID]
    ) -> Mapping[UUID, CreditExposure]:
        found = {c: await self.credit_exposure(c) for c in customer_ids}
        return {c: e for c, e in found.items() if e is not None and e.credit_limit is not None}

    async def any_open_with_outstanding(
        self, customer_id: UUID, amount: Money, excluding: Collection[UUID]
    ) -> bool:
        return any(
            i.customer_id == customer_id and i.payable and i.outstanding == amount
            for i in self.rows.values()
            if i.id not in excluding
        )

"""Ports of the customers: their repository (the write side: add, get, lock, save), their
read-side queries, and what they read of the other contexts' records (balances, risk)
through narrow protocols that those contexts' queries answer, so that customers import
neither."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol
from uuid import UUID

from app.domain.customers.customers import Balance, Customer, RiskSummary
from app.services.pagination import PageRequest
from app.services.unit_of_work import UnitOfWork


class CustomerRepository(Protocol):
    """The customer aggregate: what a use case reads to change, and writes back.

    ``save`` writes every field but the id and ``created_at``.
    """

    async def add(self, customer: Customer) -> None:
        """Insert; raises DuplicateExternalId when the external_id is taken."""

    async def add_many(self, customers: Sequence[Customer]) -> None:
        """Insert several in one statement; raises as :meth:`add` (then none is inserted)."""

    async def get(self, customer_id: UUID) -> Customer | None: ...

    async def lock(self, customer_id: UUID) -> bool:
        """Lock the customer row until the unit of work ends; False when it does not exist.

        Everything that changes which of a customer's invoices are payable, or how much
        they have outstanding, takes this lock first (see docs/architecture.md, "Lock order").
        """

    async def save(self, customer: Customer, expected_version: int) -> None:
        """Write back a changed customer; raises StaleVersion when someone else won
        (also when it does not exist)."""


class CustomerQueries(Protocol):
    """The read side: lists, for the API (tested on PostgreSQL, not faked)."""

    async def list(
        self, *, external_id: str | None, q: str | None, page: PageRequest
    ) -> Sequence[Customer]: ...


class CustomerBalances(Protocol):
    """What the customer owes: the invoice queries answer it."""

    async def customer_balances(self, customer_id: UUID, today: date) -> Sequence[Balance]:
        """Outstanding and overdue per currency, currencies in alphabetical order."""


class CustomerRisk(Protocol):
    """How risky the customer is: the risk flag queries answer it."""

    async def summary(self, customer_id: UUID) -> RiskSummary: ...


class CustomersUnitOfWork(UnitOfWork, Protocol):
    """The unit of work the customer use cases run in."""

    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def customer_queries(self) -> CustomerQueries: ...

    @property
    def invoice_queries(self) -> CustomerBalances: ...

    @property
    def risk_flag_queries(self) -> CustomerRisk: ...

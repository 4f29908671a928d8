"""Customer statements: the opening balance per currency, the period's movements with a
running balance (streamed: never all in memory), the closing balance and its ageing
(``app/domain/reporting/statements.py``). Everything is read in one snapshot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from app.domain.errors import NotFound
from app.domain.money import Money
from app.domain.reporting.reports import day_end
from app.domain.reporting.statements import (
    Line,
    Movement,
    Period,
    RunningBalances,
    statement_period,
)
from app.services.context import Clock
from app.services.customers.ports import CustomersUnitOfWork
from app.services.reporting.ports import ReportingUnitOfWork


class StatementQueries(Protocol):
    async def snapshot(self) -> None:
        """Read everything that follows in one snapshot (first in the transaction)."""

    async def currencies(self, customer_id: UUID, last_day: date) -> list[str]:
        """The currencies of the customer's invoices and payments up to ``last_day``."""

    async def balance(self, customer_id: UUID, currency: str, day: date, zone: str) -> Money:
        """The net position at the end of ``day``."""

    def movements(
        self, customer_id: UUID, currency: str, first: date, last: date, zone: str
    ) -> AsyncIterator[Movement]:
        """The movements from ``first`` to ``last``, by day, in the order of their kinds."""

    async def ageing(
        self, customer_id: UUID, currency: str, day: date, day_end: datetime
    ) -> dict[str, Money]:
        """Invoices outstanding at the end of ``day`` per ageing bucket."""


class StatementUnitOfWork(ReportingUnitOfWork, CustomersUnitOfWork, Protocol):
    @property
    def statements(self) -> StatementQueries: ...


@dataclass
class Statement:
    customer_id: UUID
    customer_name: str
    period: Period
    opening: dict[str, Money]
    uow: StatementUnitOfWork
    zone: str
    day_end: datetime
    balances: RunningBalances = field(init=False)

    def __post_init__(self) -> None:
        self.balances = RunningBalances(self.opening)

    @property
    def currencies(self) -> list[str]:
        return sorted(self.opening)

    async def lines(self) -> AsyncIterator[Line]:
        """Every line, currency by currency (each in order of day), with its balance."""
        for currency in self.currencies:
            async for line in self.lines_of(currency):
                yield line

    async def lines_of(self, currency: str) -> AsyncIterator[Line]:
        movements = self.uow.statements.movements(
            self.customer_id, currency, self.period.start, self.period.end, self.zone
        )
        async for movement in movements:
            yield self.balances.add(movement)

    def closing(self) -> dict[str, Money]:
        return self.balances.closing()

    def totals(self) -> dict[str, tuple[Decimal, Decimal]]:
        """(debits, credits) per currency, once the lines are read."""
        b = self.balances
        return {
            c: (b.debits.get(c, Decimal(0)), b.credits.get(c, Decimal(0))) for c in self.currencies
        }

    async def ageing(self) -> dict[str, dict[str, Money]]:
        """Per currency: the closing balance's ageing, invoices per bucket plus
        ``unallocated`` (cash applied to nothing yet, negative), which add up to it."""
        found = {}
        for currency, closing in self.closing().items():
            buckets = await self.uow.statements.ageing(
                self.customer_id, currency, self.period.end, self.day_end
            )
            rest = closing - sum(buckets.values(), Money.zero(currency))
            found[currency] = {**buckets, "unallocated": rest}
        return found


async def open_statement(
    uow: StatementUnitOfWork,
    clock: Clock,
    customer_id: UUID,
    start: date | None,
    end: date | None,
    currency: str | None,
) -> Statement:
    """The statement's header in an open unit of work (which must stay open while its lines
    are read). 404 for an unknown customer; 422 when ``from`` is after ``to``."""
    period = statement_period(start, end, clock.today())
    await uow.statements.snapshot()
    customer = await uow.customers.get(customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    zone = clock.zone.key
    if currency is not None:
        currencies = [currency]
    else:
        currencies = await uow.statements.currencies(customer_id, period.end)
        currencies = currencies or [customer.currency]
    before = period.start - timedelta(days=1)
    opening = {c: await uow.statements.balance(customer_id, c, before, zone) for c in currencies}
    return Statement(
        customer_id=customer_id,
        customer_name=customer.name,
        period=period,
        opening=opening,
        uow=uow,
        zone=zone,
        day_end=day_end(period.end, clock.zone),
    )

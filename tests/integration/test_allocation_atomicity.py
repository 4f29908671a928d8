"""A failing step leaves no partial allocation and no event behind; the CHECK constraints
stop an over-allocation even if a use case forgot to lock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.uow import SqlUnitOfWork
from app.domain.errors import Conflict
from app.domain.money import Money
from app.services.customers.customers import NewCustomer, create_customer
from app.services.reactions import REACTIONS
from app.services.receivables.invoices import NewInvoice, create_invoice
from app.services.receivables.payments import NewPayment, record_payment
from app.services.unit_of_work import in_transaction
from tests.fakes import context
from tests.use_cases import allocate_payment, reverse_payment


class Boom(Exception):
    pass


class InvoicesFailingAfterPaid:
    """The real repository, except that the write of paid amounts fails once it is done."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def add_paid(self, amounts: Mapping[UUID, Money], at: datetime) -> None:
        await self.inner.add_paid(amounts, at)
        raise Boom("the disk filled up")


class FailingUnitOfWork(SqlUnitOfWork):
    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.invoices = InvoicesFailingAfterPaid(self.invoices)  # type: ignore[assignment]
        return self


async def scalar(db: AsyncEngine, sql: str) -> Any:
    async with db.connect() as conn:
        return (await conn.execute(text(sql))).scalar_one()


async def setup(db: AsyncEngine) -> tuple[UUID, UUID]:
    ctx = context()
    customer = await in_transaction(
        SqlUnitOfWork(db, REACTIONS), create_customer, ctx, NewCustomer("客户", "CNY")
    )
    bill = await in_transaction(
        SqlUnitOfWork(db, REACTIONS),
        create_invoice,
        ctx,
        NewInvoice(customer.id, Decimal(100), "CNY", date(2026, 10, 1), date(2026, 10, 31)),
    )
    return customer.id, bill.id


async def test_a_failed_payment_leaves_nothing_behind(db: AsyncEngine) -> None:
    customer_id, _ = await setup(db)
    events_before = await scalar(db, "SELECT count(*) FROM outbox_events")
    cmd = NewPayment(customer_id, Decimal(60), "CNY", date(2026, 11, 20))
    with pytest.raises(Boom):
        await in_transaction(FailingUnitOfWork(db, REACTIONS), record_payment, context(), cmd)
    assert await scalar(db, "SELECT count(*) FROM payments") == 0
    assert await scalar(db, "SELECT count(*) FROM payment_allocations") == 0
    assert await scalar(db, "SELECT sum(amount_paid) FROM invoices") == 0
    assert await scalar(db, "SELECT count(*) FROM outbox_events") == events_before


async def test_a_failed_later_allocation_or_reversal_leaves_nothing_behind(
    db: AsyncEngine,
) -> None:
    customer_id, _ = await setup(db)
    ctx = context()
    cmd = NewPayment(customer_id, Decimal(60), "CNY", date(2026, 11, 20), allocations=())
    unallocated = await in_transaction(SqlUnitOfWork(db, REACTIONS), record_payment, ctx, cmd)
    events_before = await scalar(db, "SELECT count(*) FROM outbox_events")
    with pytest.raises(Boom):
        await allocate_payment(FailingUnitOfWork(db, REACTIONS), ctx, unallocated.id)
    assert await scalar(db, "SELECT count(*) FROM payment_allocations") == 0
    assert await scalar(db, "SELECT allocated_amount FROM payments") == 0

    await allocate_payment(SqlUnitOfWork(db, REACTIONS), ctx, unallocated.id)
    events_before = await scalar(db, "SELECT count(*) FROM outbox_events")
    with pytest.raises(Boom):
        await reverse_payment(FailingUnitOfWork(db, REACTIONS), ctx, unallocated.id)
    assert await scalar(db, "SELECT count(*) FROM payment_allocations WHERE undone_at IS NULL") == 1
    assert await scalar(db, "SELECT status FROM payments") == "allocated"
    assert await scalar(db, "SELECT amount_paid FROM invoices") == 60
    assert await scalar(db, "SELECT count(*) FROM outbox_events") == events_before


async def test_the_database_refuses_to_overallocate_an_invoice(db: AsyncEngine) -> None:
    _, invoice_id = await setup(db)
    async with SqlUnitOfWork(db, REACTIONS) as uow:
        with pytest.raises(Conflict, match="past its amount"):
            await uow.invoices.add_paid(
                {invoice_id: Money.of("100.01", "CNY")}, datetime(2026, 11, 27)
            )

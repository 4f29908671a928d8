"""The repository contract: each test runs once on the in-memory fakes and once on
PostgreSQL (the database fixtures of ``tests/conftest.py``), inside one open unit of work
that is rolled back at the end. A fake that drifts from the database fails here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID, uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from app.domain.customers.customers import Customer
from app.domain.errors import DomainError
from app.domain.money import Money
from app.services.reactions import REACTIONS
from tests.fakes import FakeUnitOfWork
from tests.unit.builders import NOW

Store = FakeUnitOfWork | SqlUnitOfWork


@pytest.fixture(params=["fake", "sql"])
async def uow(request: pytest.FixtureRequest, db: AsyncEngine) -> AsyncIterator[Store]:
    """An open unit of work on the fakes or on PostgreSQL; never committed."""
    fake = request.param == "fake"
    store: Store = FakeUnitOfWork() if fake else SqlUnitOfWorkFactory(db, REACTIONS)()
    async with store:
        yield store


@asynccontextmanager
async def fails(uow: Store, error: type[DomainError]) -> AsyncIterator[None]:
    """Expect ``error``, in a savepoint: PostgreSQL aborts the transaction on a violated
    constraint, and the test goes on after it."""
    with pytest.raises(error):
        async with uow.savepoint():
            yield


def customer(
    *, external_id: str | None = None, currency: str = "CNY", credit_limit: str | None = None
) -> Customer:
    return Customer(
        id=uuid4(),
        name="华东客户",
        currency=currency,
        created_at=NOW,
        updated_at=NOW,
        external_id=external_id,
        credit_limit=Money.of(credit_limit, currency) if credit_limit else None,
    )


async def a_customer(uow: Store, *, currency: str = "CNY", credit_limit: str | None = None) -> UUID:
    added = customer(currency=currency, credit_limit=credit_limit)
    await uow.customers.add(added)
    return added.id

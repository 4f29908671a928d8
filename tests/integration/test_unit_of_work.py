"""The unit of work commits a change and its outbox events together, or neither."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.customers.models import customers
from app.adapters.db.delivery.models import outbox_events
from app.adapters.db.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from app.domain.customers.customers import Customer
from app.domain.events import Actor, EventType
from app.services.customers.customers import NewCustomer, create_customer, subject
from app.services.platform import Platform
from app.services.reactions import REACTIONS
from app.services.unit_of_work import in_transaction


async def counts(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.connect() as conn:
        n_customers = (await conn.execute(select(func.count()).select_from(customers))).scalar()
        n_events = (await conn.execute(select(func.count()).select_from(outbox_events))).scalar()
    return int(n_customers or 0), int(n_events or 0)


class Boom(Exception):
    pass


async def test_a_failure_after_the_change_leaves_neither_row_nor_event(
    platform: Platform, db: AsyncEngine
) -> None:
    ctx = platform.context(Actor("test"))
    now = ctx.clock.now()
    customer = Customer(
        id=ctx.ids.new_id(), name="A", currency="CNY", created_at=now, updated_at=now
    )

    async def add_then_fail() -> None:
        async with platform.uow() as uow:
            await uow.customers.add(customer)
            uow.add_event(ctx.event(EventType.CUSTOMER_CREATED, subject(customer.id), {}))
            raise Boom

    with pytest.raises(Boom):
        await add_then_fail()
    assert await counts(db) == (0, 0)


async def test_a_failure_while_writing_the_events_rolls_back_the_change(
    platform: Platform, db: AsyncEngine
) -> None:
    ctx = platform.context(Actor("test"))
    now = ctx.clock.now()
    customer = Customer(
        id=ctx.ids.new_id(), name="A", currency="CNY", created_at=now, updated_at=now
    )
    event = ctx.event(EventType.CUSTOMER_CREATED, subject(customer.id), {})
    async with platform.uow() as uow:
        await uow.customers.add(customer)
        # Two events with one id: the outbox insert fails inside commit.
        uow.add_event(event)
        uow.add_event(event)
        with pytest.raises(Exception, match="uq_outbox_events_id"):
            await uow.commit()
    assert await counts(db) == (0, 0)


async def test_a_committed_change_has_exactly_its_events(
    platform: Platform, db: AsyncEngine
) -> None:
    made = await in_transaction(
        platform.uow(), create_customer, platform.context(Actor("t")), NewCustomer("A", "CNY")
    )
    assert await counts(db) == (1, 1)
    async with db.connect() as conn:
        (row,) = (await conn.execute(select(outbox_events))).mappings().all()
    assert row["subject"] == f"customers/{made.id}"
    assert row["xid"] is not None


async def _plan_cache_mode(uow: SqlUnitOfWork) -> str:
    mode: str = await uow.connection.driver.fetchval("SHOW plan_cache_mode")
    return mode


async def test_a_unit_of_work_that_reuses_plans_does_so_for_its_transaction_only(
    db: AsyncEngine,
) -> None:
    factory = SqlUnitOfWorkFactory(db, REACTIONS)
    async with factory(reuse_plans=True) as uow:
        assert await _plan_cache_mode(uow) == "force_generic_plan"
        held = uow.connection.driver
        await uow.commit()
        # SET LOCAL: the pooled connection is back to PostgreSQL's own choice.
        assert await held.fetchval("SHOW plan_cache_mode") == "auto"
    async with factory() as uow:
        assert await _plan_cache_mode(uow) == "auto"


async def test_a_unit_of_work_used_again_gives_repositories_of_its_new_transaction(
    platform: Platform, db: AsyncEngine
) -> None:
    ctx = platform.context(Actor("test"))
    now = ctx.clock.now()
    uow = platform.uow()
    async with uow:
        first = uow.customers
        assert uow.customers is first  # made once, on first use
    async with uow:
        again = uow.customers
        assert again is not first
        customer = Customer(
            id=ctx.ids.new_id(), name="A", currency="CNY", created_at=now, updated_at=now
        )
        await again.add(customer)
        uow.add_event(ctx.event(EventType.CUSTOMER_CREATED, subject(customer.id), {}))
        await uow.commit()
    assert await counts(db) == (1, 1)


async def test_a_unit_of_work_knows_only_its_repositories_and_only_inside_a_transaction(
    platform: Platform,
) -> None:
    uow = platform.uow()
    with pytest.raises(RuntimeError, match="outside 'async with'"):
        _ = uow.invoices
    async with uow:
        with pytest.raises(AttributeError):
            _ = uow.no_such_repository  # type: ignore[attr-defined]

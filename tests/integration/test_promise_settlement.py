"""What the scheduler's promise check reuses: promises past their deadline, locked so two
workers never take the same one, settled by the domain rule and written back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.uow import SqlUnitOfWork
from app.domain.collection.interactions import Channel
from app.domain.collection.promises import PromiseStatus, settle_after_deadline
from app.services.collection.interactions import NewInteraction, NewPromise, record_interaction
from app.services.customers.customers import NewCustomer, create_customer
from app.services.reactions import REACTIONS
from app.services.unit_of_work import in_transaction
from tests.fakes import context

MET = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
LATER = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


async def promises_due(db: AsyncEngine, *days: date) -> list[str]:
    customer = await in_transaction(
        SqlUnitOfWork(db, REACTIONS), create_customer, context(), NewCustomer("客户", "CNY")
    )
    made = []
    for day in days:
        cmd = NewInteraction(
            customer.id, Channel.PHONE, MET, "电话", promise=NewPromise(Decimal(10), "CNY", day)
        )
        view = await in_transaction(
            SqlUnitOfWork(db, REACTIONS), record_interaction, context(), cmd
        )
        assert view.promise is not None
        made.append(str(view.promise.id))
    return made


async def test_past_deadline_respects_grace_days_and_settles(db: AsyncEngine) -> None:
    first, second, _ = await promises_due(
        db, date(2026, 11, 28), date(2026, 11, 30), date(2026, 12, 10)
    )
    today = date(2026, 12, 1)
    async with SqlUnitOfWork(db, REACTIONS) as uow:
        assert [str(p.id) for p in await uow.promises.lock_past_deadline(today, 1, 10)] == [first]
        due = await uow.promises.lock_past_deadline(today, 0, 10)
        assert [str(p.id) for p in due] == [first, second]
        broken = [settle_after_deadline(p, today, 0, LATER) for p in due]
        await uow.promises.save_evaluations(broken)
        await uow.commit()
    async with SqlUnitOfWork(db, REACTIONS) as uow:
        stored = await uow.promises.get(due[0].id)
        assert stored is not None
        assert (stored.status, stored.broken_at, stored.version) == (
            PromiseStatus.BROKEN,
            LATER,
            2,
        )
        assert await uow.promises.broken_count(stored.customer_id, date(2026, 11, 1)) == 2
        assert await uow.promises.broken_count(stored.customer_id, date(2026, 11, 29)) == 1
        assert await uow.promises.lock_past_deadline(today, 0, 10) == []


async def test_two_workers_never_take_the_same_promise(db: AsyncEngine) -> None:
    made = await promises_due(db, date(2026, 11, 28), date(2026, 11, 29), date(2026, 11, 30))
    today = date(2026, 12, 5)
    async with SqlUnitOfWork(db, REACTIONS) as one, SqlUnitOfWork(db, REACTIONS) as two:
        mine = await one.promises.lock_past_deadline(today, 0, 2)
        theirs = await two.promises.lock_past_deadline(today, 0, 2)
    assert [str(p.id) for p in mine] == made[:2]
    assert [str(p.id) for p in theirs] == made[2:]

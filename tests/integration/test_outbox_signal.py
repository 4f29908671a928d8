"""Commits with outbox events wake this process's relay at once and other processes' relays
by a NOTIFY sent after the commit, coalesced: never one inside each writing commit."""

from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.outbox_signal import OutboxSignal
from app.adapters.db.uow import OUTBOX_CHANNEL, SqlUnitOfWorkFactory
from app.adapters.delivery.listener import asyncpg_dsn
from app.adapters.ids import Uuid7Generator
from app.domain.events import Actor, EventType
from app.services.context import Context
from app.services.reactions import REACTIONS
from tests.fakes import FixedClock


async def _commit_event(uow: SqlUnitOfWorkFactory, ctx: Context) -> None:
    async with uow() as work:
        work.add_event(ctx.event(EventType.CUSTOMER_CREATED, "customer/x", {}))
        await work.commit()


async def test_a_commit_wakes_the_local_relay_and_notifies_others_coalesced(
    db: AsyncEngine, database_url: str
) -> None:
    signal = OutboxSignal(db, OUTBOX_CHANNEL, interval_s=0.2)
    woken: list[int] = []
    signal.subscribe(lambda: woken.append(1))
    received: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(asyncpg_dsn(database_url))
    await listener.add_listener(OUTBOX_CHANNEL, lambda *args: received.put_nowait(args[2]))
    ctx = Context(FixedClock(), Uuid7Generator(), Actor.system("test"))
    uow = SqlUnitOfWorkFactory(db, REACTIONS, signal)
    try:
        await _commit_event(uow, ctx)
        await asyncio.wait_for(received.get(), 5)  # the first one at once
        for _ in range(20):
            await _commit_event(uow, ctx)
        await asyncio.sleep(0.5)
        assert len(woken) == 21  # the local relay hears of every commit
        assert 1 <= received.qsize() <= 4  # the others of a burst, in one or two wake-ups
    finally:
        await listener.close()
        await signal.close()

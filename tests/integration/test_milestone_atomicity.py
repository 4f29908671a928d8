"""Reaching a milestone is one transaction: a failure mid-way (after the due dates were
written) leaves no due date, no reached milestone and no event behind."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Self
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.uow import SqlUnitOfWork
from app.domain.receivables.contracts import InstallmentChange
from app.domain.receivables.milestones import InstallmentKind, Milestone, MilestoneTerm
from app.domain.receivables.plans import PlannedInstallment
from app.services.context import Context
from app.services.customers.customers import NewCustomer, create_customer
from app.services.reactions import REACTIONS
from app.services.receivables.contracts import NewContract, create_contract, locked_contract
from app.services.receivables.milestones import reach_milestone
from app.services.receivables.ports import ReceivablesUnitOfWork
from app.services.unit_of_work import in_transaction
from tests.fakes import context


class Boom(Exception):
    pass


class ContractsFailingOnHistory:
    """The real repository, except that the history write fails (after the due dates)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def add_history(self, changes: list[InstallmentChange]) -> None:
        raise Boom("the disk filled up")


class FailingUnitOfWork(SqlUnitOfWork):
    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.contracts = ContractsFailingOnHistory(self.contracts)  # type: ignore[assignment]
        return self


async def scalar(db: AsyncEngine, sql: str) -> Any:
    async with db.connect() as conn:
        return (await conn.execute(text(sql))).scalar_one()


async def reach(uow: ReceivablesUnitOfWork, ctx: Context, contract_id: UUID) -> None:
    current = await locked_contract(uow, contract_id)
    await reach_milestone(uow, ctx, current, "completion", date(2026, 8, 31))


async def test_a_failed_reach_leaves_no_due_date_and_no_event(db: AsyncEngine) -> None:
    ctx = context()
    buyer = await in_transaction(
        SqlUnitOfWork(db, REACTIONS), create_customer, ctx, NewCustomer("客户", "CNY")
    )
    term = MilestoneTerm("completion", offset_months=24)
    retention = PlannedInstallment(
        "质保金", None, amount=Decimal(100), kind=InstallmentKind.RETENTION, term=term
    )
    cmd = NewContract(
        buyer.id,
        "厂房",
        Decimal(100),
        "CNY",
        "u",
        date(2026, 1, 1),
        installments=(retention,),
        milestones=(Milestone("completion", "竣工验收"),),
    )
    view = await in_transaction(SqlUnitOfWork(db, REACTIONS), create_contract, ctx, cmd)
    events = "SELECT count(*) FROM outbox_events"
    before = await scalar(db, events)
    with pytest.raises(Boom):
        await in_transaction(FailingUnitOfWork(db, REACTIONS), reach, ctx, view.contract.id)
    assert await scalar(db, "SELECT count(*) FROM installments WHERE due_date IS NOT NULL") == 0
    assert (
        await scalar(db, "SELECT count(*) FROM contract_milestones WHERE reached_on IS NOT NULL")
        == 0
    )
    assert await scalar(db, "SELECT version FROM contracts") == 1
    assert await scalar(db, events) == before
    await in_transaction(SqlUnitOfWork(db, REACTIONS), reach, ctx, view.contract.id)
    assert await scalar(db, "SELECT due_date FROM installments") == date(2028, 8, 31)
    assert await scalar(db, events) == before + 2

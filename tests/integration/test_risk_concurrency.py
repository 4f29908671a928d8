"""At most one active flag per subject and kind, also when rules race on several
connections: the partial unique index plus INSERT ... ON CONFLICT DO UPDATE."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.uow import SqlUnitOfWork
from app.domain.collection.risk import RiskKind, Severity, Subject, SubjectType
from app.services.collection.ports import RuleRaise
from app.services.collection.risk_rules import raise_flag
from app.services.customers.customers import NewCustomer, create_customer
from app.services.reactions import REACTIONS
from app.services.unit_of_work import in_transaction
from tests.e2e.receivables import customer
from tests.fakes import context

CONCURRENT = 20


async def rows(db: AsyncEngine, sql: str) -> list[Any]:
    async with db.connect() as conn:
        return list((await conn.execute(text(sql))).all())


async def test_concurrent_invoices_over_the_credit_limit_raise_one_flag(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api, credit_limit="100.00")
    body = {
        "customer_id": c["id"],
        "amount": "200.00",
        "currency": "CNY",
        "issued_on": "2026-10-01",
        "due_date": "2026-10-31",
    }
    answers = await asyncio.gather(
        *(api.post("/v1/invoices", json=body) for _ in range(CONCURRENT))
    )
    assert [a.status_code for a in answers] == [201] * CONCURRENT, [
        a.text for a in answers if a.status_code != 201
    ]
    flags = await rows(db, "SELECT kind, severity, status FROM risk_flags")
    assert flags == [("credit", int(Severity.CRITICAL), "open")]
    raised = await rows(db, "SELECT type FROM outbox_events WHERE type LIKE 'risk.%'")
    assert raised == [("risk.raised",)]


async def _lock_waiters(db: AsyncEngine) -> int:
    (count,) = (
        await rows(
            db,
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
    )[0]
    return int(count)


async def _raise(uow: SqlUnitOfWork, subject: Subject, severity: Severity) -> RuleRaise | None:
    return await raise_flag(
        uow,
        context(),
        subject=subject,
        customer_id=subject.id,
        kind=RiskKind.CREDIT,
        severity=severity,
        rule="test",
        description="race",
    )


async def race(db: AsyncEngine, first: Severity, second: Severity) -> RuleRaise | None:
    """The second raiser inserts while the first one's insert is not yet committed: it
    waits on the unique index, then takes the ON CONFLICT path. Returns its result."""
    created = await in_transaction(
        SqlUnitOfWork(db, REACTIONS), create_customer, context(), NewCustomer("客户", "CNY")
    )
    subject = Subject(SubjectType.CUSTOMER, created.id)

    async def later() -> RuleRaise | None:
        async with SqlUnitOfWork(db, REACTIONS) as uow:
            result = await _raise(uow, subject, second)
            await uow.commit()
        return result

    async with SqlUnitOfWork(db, REACTIONS) as uow:
        assert (await _raise(uow, subject, first)) is not None
        waiting = asyncio.create_task(later())
        for _ in range(500):  # until the second transaction waits on the first one's row
            if await _lock_waiters(db):
                break
            await asyncio.sleep(0.01)
        assert await _lock_waiters(db) == 1
        await uow.commit()
    return await waiting


async def test_a_racing_rule_escalates_the_flag_it_waited_for(db: AsyncEngine) -> None:
    result = await race(db, Severity.MEDIUM, Severity.HIGH)
    assert result is not None
    assert (result.previous, result.flag.severity) == (Severity.MEDIUM, Severity.HIGH)
    assert await rows(db, "SELECT severity, version FROM risk_flags") == [(3, 2)]
    types = await rows(db, "SELECT type FROM outbox_events WHERE type LIKE 'risk.%' ORDER BY 1")
    assert types == [("risk.escalated",), ("risk.raised",)]


async def test_a_racing_rule_at_a_lower_severity_changes_nothing(db: AsyncEngine) -> None:
    assert await race(db, Severity.HIGH, Severity.LOW) is None
    assert await rows(db, "SELECT severity, version FROM risk_flags") == [(3, 1)]
    types = await rows(db, "SELECT type FROM outbox_events WHERE type LIKE 'risk.%'")
    assert types == [("risk.raised",)]

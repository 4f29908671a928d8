"""unbilled-scan on PostgreSQL: installments due but not fully invoiced
HUIKUAN_UNBILLED_AFTER_DAYS (7) later, once per installment, even with two replicas
scanning at once; installments awaiting a milestone are never scanned."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.uow import SqlUnitOfWork
from app.services.reactions import REACTIONS
from tests.e2e.receivables import customer, invoice, ok
from tests.fakes import FixedClock
from tests.integration.jobs import Jobs

PLAN = [
    {"name": "A 未开票", "due_date": "2026-11-01", "amount": "100.00"},
    {"name": "B 刚到期", "due_date": "2026-11-25", "amount": "100.00"},
    {"name": "C 已开票", "due_date": "2026-11-01", "amount": "100.00"},
    {"name": "D 部分开票", "due_date": "2026-10-01", "amount": "100.00"},
    {"name": "E 质保金", "milestone": "completion", "offset_days": 0, "amount": "100.00"},
]


async def book(api: httpx.AsyncClient, external_id: str = "HT-U") -> dict[str, Any]:
    c = await customer(api, external_id=f"C-{external_id}")
    body = {
        "customer_id": c["id"],
        "external_id": external_id,
        "name": "施工",
        "amount": "500.00",
        "currency": "CNY",
        "owner": "u-pm",
        "signed_on": "2026-01-10",
        "milestones": [{"key": "completion", "name": "竣工验收"}],
        "installments": PLAN,
    }
    k = ok(await api.post("/v1/contracts", json=body), 201)
    plan = k["installments"]
    for item, amount in ((plan[2], "100.00"), (plan[3], "40.00")):
        await invoice(
            api,
            c["id"],
            contract_id=k["id"],
            installment_id=item["id"],
            amount=amount,
            issued_on="2026-11-01",
            due_date="2026-12-01",
        )
    return k


async def test_unbilled_once_per_installment_and_never_while_awaiting(
    api: httpx.AsyncClient, jobs: Jobs, clock: FixedClock
) -> None:
    k = await book(api)
    plan = k["installments"]
    first = await jobs.run("unbilled-scan")
    found = await jobs.events("installment.unbilled")
    assert [e["subject"] for e in found] == [
        f"installments/{plan[3]['id']}",
        f"installments/{plan[0]['id']}",
    ]
    assert [e["data"]["unbilled_amount"] for e in found] == ["60.00", "100.00"]
    assert found[1]["data"]["days_since_due"] == 26
    assert found[1]["data"]["contract_name"] == "施工"
    assert (first.examined, first.findings, first.events) == (3, 2, 2)
    assert (await jobs.run("unbilled-scan")).examined == 0

    # Five days on, B is 7 days past due; E is reached with a date long past.
    clock.set(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    reach = {"reached_on": "2026-11-01"}
    ok(await api.post(f"/v1/contracts/{k['id']}/milestones/completion/reach", json=reach))
    await jobs.run("unbilled-scan")
    later = [e["subject"] for e in await jobs.events("installment.unbilled")][2:]
    assert sorted(later) == sorted(
        [f"installments/{plan[1]['id']}", f"installments/{plan[4]['id']}"]
    )
    # Rescheduled: looked at again for its new date, but announced only once.
    move = {"due_date": "2026-11-10", "reason": "对账"}
    url = f"/v1/contracts/{k['id']}/installments/{plan[0]['id']}/reschedule"
    ok(await api.post(url, json=move))
    again = await jobs.run("unbilled-scan")
    assert (again.examined, again.events) == (1, 0)


async def test_two_replicas_scanning_at_once_announce_each_once(
    api: httpx.AsyncClient, jobs: Jobs
) -> None:
    for n in range(3):
        await book(api, f"HT-{n}")
    before = await jobs.types()
    one, two = await asyncio.gather(jobs.run("unbilled-scan"), jobs.run("unbilled-scan"))
    assert await jobs.types() - before == Counter({"installment.unbilled": 6})
    assert one.events + two.events == 6
    assert await jobs.count("findings", "kind = 'installment.unbilled'") == 6


async def test_the_unbilled_query_lists_what_no_invoice_covers(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    k = await book(api)
    other = await book(api, "HT-V")
    plan = k["installments"]
    async with SqlUnitOfWork(db, REACTIONS) as uow:
        found = await uow.contract_queries.unbilled(date(2026, 11, 20))
        mine = await uow.contract_queries.unbilled(date(2026, 11, 20), contract_ids=[k["id"]])
        theirs = await uow.contract_queries.unbilled(
            date(2026, 11, 30), customer_id=UUID(other["customer_id"])
        )
    assert [(str(u.installment.id), u.unbilled.to_wire()) for u in mine] == [
        (plan[3]["id"], "60.00"),
        (plan[0]["id"], "100.00"),
    ]
    assert len(found) == 4
    assert {u.contract_name for u in found} == {"施工"}
    assert [u.installment.name for u in theirs] == ["D 部分开票", "A 未开票", "B 刚到期"]

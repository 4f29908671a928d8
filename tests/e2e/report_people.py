"""A hand-built book of people's work for the performance report (period 11-01..11-20)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.collection import target, task
from tests.e2e.receivables import customer, invoice, ok, payment
from tests.e2e.report_books import at, pay
from tests.fakes import FixedClock


def moment(day: int, hour: int = 2, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


async def _contract(api: httpx.AsyncClient, customer_id: str, owner: str, **body: Any) -> str:
    payload = {
        "customer_id": customer_id,
        "name": f"{owner} 的项目",
        "amount": "10000.00",
        "currency": "CNY",
        "owner": owner,
        "signed_on": "2026-01-10",
        "installments": [{"name": "全款", "due_date": "2027-06-30", "percent": "100"}],
        **body,
    }
    made: dict[str, Any] = ok(await api.post("/v1/contracts", json=payload), 201)
    return str(made["id"])


async def _finish(api: httpx.AsyncClient, clock: FixedClock, task_id: str, when: datetime) -> None:
    ok(await api.patch(f"/v1/tasks/{task_id}", json={"status": "in_progress"}))
    await at(clock, when, api.patch(f"/v1/tasks/{task_id}", json={"status": "done"}))


async def _promise(
    api: httpx.AsyncClient, clock: FixedClock, when: datetime, customer_id: str,
    amount: str, promised: str, actor: str | None = None, **body: Any,
) -> dict[str, Any]:  # fmt: skip
    payload = {
        "customer_id": customer_id,
        "channel": "phone",
        "occurred_at": when.isoformat(),
        "summary": "客户承诺付款",
        "promise": {"amount": amount, "currency": "CNY", "promised_date": promised},
        **body,
    }
    headers = {"X-Actor": actor} if actor else {}
    made = await at(clock, when, api.post("/v1/interactions", json=payload, headers=headers))
    return dict(made.json()["promise"])


async def people_book(api: httpx.AsyncClient, clock: FixedClock, db: AsyncEngine) -> None:
    """Money (customer P, CNY, and Q, USD):

    | invoice | owner  | amount | issued | due   | paid                   |
    |---------|--------|--------|--------|-------|------------------------|
    | p1      | u-li   | 1000   | 10-20  | 11-10 | 1000 received 11-08    |
    | p2      | u-li   | 2000   | 11-01  | 11-15 | 500 received 11-18     |
    | p3      | u-wang | 800    | 11-05  | 11-25 | 800 received 11-12     |
    | p4      | nobody | 300    | 11-01  | 11-05 | 300 received 11-03     |
    | q1      | u-li   | 100.00 USD | 11-01 | 11-10 | nothing            |

    Targets: u-li's owner target 6000 over November (20 of 30 days: 4000.00); an org target
    of 3100 over Q4 answered for by u-wang (20 of 92 days: 673.91); a December one (none).

    Tasks: u-li done 11-09 (due 11-10), done 11-14 (due 11-12: late), open due 11-15 (late);
    u-wang open due 11-25, cancelled due 11-05, done at 01:00 on 11-01 in Shanghai;
    u-zhang done at 00:30 on 11-21 in Shanghai (after the period).

    Promises: u-li got 500 on p2 by 11-18 (kept) and 1000 from R by 11-19 (broken), and one
    due 11-25 (after the period); a promise on p3 by 11-12 recorded without a user counts
    for p3's owner u-wang (kept).
    """
    p = await customer(api, name="北京软件股份有限公司")
    q = await customer(api, name="Umbrella", currency="USD")
    r = await customer(api, name="成都物流有限公司")
    li = await _contract(api, p["id"], "u-li")
    wang = await _contract(api, p["id"], "u-wang")
    li_usd = await _contract(api, q["id"], "u-li", currency="USD", amount="1000.00")
    p1 = await invoice(
        api,
        p["id"],
        amount="1000.00",
        issued_on="2026-10-20",
        due_date="2026-11-10",
        contract_id=li,
    )
    p2 = await invoice(
        api,
        p["id"],
        amount="2000.00",
        issued_on="2026-11-01",
        due_date="2026-11-15",
        contract_id=li,
    )
    p3 = await invoice(
        api,
        p["id"],
        amount="800.00",
        issued_on="2026-11-05",
        due_date="2026-11-25",
        contract_id=wang,
    )
    p4 = await invoice(api, p["id"], amount="300.00", issued_on="2026-11-01", due_date="2026-11-05")
    await invoice(
        api,
        q["id"],
        amount="100.00",
        currency="USD",
        issued_on="2026-11-01",
        due_date="2026-11-10",
        contract_id=li_usd,
    )
    await _promise(
        api, clock, moment(1), p["id"], "500.00", "2026-11-18", "u-li", invoice_id=p2["id"]
    )
    broken = await _promise(api, clock, moment(2), r["id"], "1000.00", "2026-11-19", "u-li")
    await _promise(api, clock, moment(5), p["id"], "800.00", "2026-11-12", invoice_id=p3["id"])
    await _promise(api, clock, moment(20), p["id"], "100.00", "2026-11-25", "u-li")
    for bill, amount, received in (
        (p1, "1000.00", "2026-11-08"),
        (p2, "500.00", "2026-11-18"),
        (p3, "800.00", "2026-11-12"),
        (p4, "300.00", "2026-11-03"),
    ):
        allocations = pay(bill["id"], amount)
        await payment(api, p["id"], amount=amount, received_on=received, allocations=allocations)
    async with db.begin() as conn:  # the scheduler that breaks promises is another issue's
        await conn.execute(
            text("UPDATE promises SET status = 'broken' WHERE id = :id"), {"id": broken["id"]}
        )
    await target(
        api,
        amount="6000.00",
        period_start="2026-11-01",
        period_end="2026-11-30",
        scope="owner",
        scope_id="u-li",
    )
    await target(
        api, amount="3100.00", period_start="2026-10-01", period_end="2026-12-31", owner="u-wang"
    )
    await target(api, amount="1000.00", period_start="2026-12-01", period_end="2026-12-31")
    done_early = await task(api, assignee="u-li", due_date="2026-11-10")
    done_late = await task(api, assignee="u-li", due_date="2026-11-12")
    await task(api, assignee="u-li", due_date="2026-11-15")
    await task(api, assignee="u-wang", due_date="2026-11-25")
    cancelled = await task(api, assignee="u-wang", due_date="2026-11-05")
    ok(await api.patch(f"/v1/tasks/{cancelled['id']}", json={"status": "cancelled"}))
    first_night = await task(api, assignee="u-wang")
    after = await task(api, assignee="u-zhang")
    await _finish(api, clock, done_early["id"], moment(9))
    await _finish(api, clock, done_late["id"], moment(14))
    await _finish(api, clock, first_night["id"], moment(31, 17, month=10))
    await _finish(api, clock, after["id"], datetime(2026, 11, 20, 16, 30, tzinfo=UTC))

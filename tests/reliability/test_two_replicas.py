"""Two `huikuan serve` processes on one database, each running the scheduler and the relay,
under concurrent ingestion (the same events sent to both), REST writes and job runs: no
scheduled finding twice, nothing allocated beyond an amount, and every event delivered to
a healthy receiver exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.receiver import Receiver, eventually
from tests.reliability.conftest import Figure, Spawn, client
from tests.reliability.workload import event_ids, subscribe

CUSTOMERS = 6
INVOICES_EACH = 5
SCHEDULER = {
    "HUIKUAN_SCHEDULER_FIRST_RUN_DELAY_S": "0.5",
    "HUIKUAN_JOB_OVERDUE_SCAN_S": "1",
    "HUIKUAN_JOB_DUE_SOON_S": "1",
    "HUIKUAN_JOB_PROMISE_CHECK_S": "1",
    "HUIKUAN_JOB_TARGET_PACE_S": "1",
    "HUIKUAN_SCHEDULER_BATCH_SIZE": "4",
}


def ev(n: str, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": n,
        "source": "erp",
        "type": type_,
        "occurred_at": "2026-11-01T00:00:00Z",
        "data": data,
    }


def book() -> list[dict[str, Any]]:
    events = []
    for c in range(CUSTOMERS):
        events.append(
            ev(
                f"c-{c}",
                "customer.upserted",
                {"external_id": f"C-{c}", "name": f"客户{c}", "currency": "CNY"},
            )
        )
        for i in range(INVOICES_EACH):
            # Due 5 to 85 days ago: several dunning levels and overdue severities.
            events.append(
                ev(
                    f"i-{c}-{i}",
                    "invoice.issued",
                    {
                        "external_id": f"FP-{c}-{i}",
                        "customer_external_id": f"C-{c}",
                        "amount": "1000.00",
                        "currency": "CNY",
                        "issued_on": "2026-08-01",
                        "due_date": f"2026-{9 + i // 3:02}-{1 + 9 * (i % 3):02}",
                    },
                )
            )
    return events


def payments(count: int) -> list[dict[str, Any]]:
    return [
        ev(
            f"p-{n}",
            "payment.received",
            {
                "external_id": f"BANK-{n}",
                "customer_external_id": f"C-{n % CUSTOMERS}",
                "amount": "130.00",
                "currency": "CNY",
                "received_on": "2026-11-20",
            },
        )
        for n in range(count)
    ]


async def post_events(api: httpx.AsyncClient, events: list[dict[str, Any]]) -> list[str]:
    response = await api.post("/v1/ingest/events", json={"events": events})
    assert response.status_code == 200, response.text
    return [r["status"] for r in response.json()["results"]]


async def test_two_replicas_do_everything_once(
    spawn: Spawn, db: AsyncEngine, receiver: Receiver, figure: Figure
) -> None:
    a, b = spawn("serve", **SCHEDULER), spawn("serve", **SCHEDULER)
    async with client(a.base_url) as api_a, client(b.base_url) as api_b:
        await subscribe(api_a, receiver.url)
        # The same book sent to both replicas at once: each event is applied once.
        first, second = await asyncio.gather(post_events(api_a, book()), post_events(api_b, book()))
        for x, y in zip(first, second, strict=True):
            assert sorted([x, y]) in (["accepted", "duplicate"], ["duplicate", "duplicate"])

        customer = (await api_a.get("/v1/customers", params={"external_id": "C-0"})).json()
        customer_id = customer["data"][0]["id"]

        async def rest_payment(api: httpx.AsyncClient, n: int) -> None:
            response = await api.post(
                "/v1/payments",
                json={
                    "customer_id": customer_id,
                    "amount": "90.00",
                    "currency": "CNY",
                    "received_on": "2026-11-21",
                    "external_id": f"REST-{n}",
                },
            )
            assert response.status_code == 201, response.text

        async def run_job(api: httpx.AsyncClient) -> int:
            response = await api.post("/v1/admin/jobs/overdue-scan/run")
            assert response.status_code in {200, 409}, response.text
            return response.status_code

        batches = payments(120)
        await asyncio.gather(
            post_events(api_a, batches[:60]),
            post_events(api_b, batches[60:]),
            *(rest_payment(api_a if n % 2 else api_b, n) for n in range(20)),
            *(run_job(api) for api in (api_a, api_b, api_a, api_b)),
        )
        await asyncio.sleep(3)  # a few more scheduled runs in both replicas
        for api in (api_a, api_b):
            assert await run_job(api) in {200, 409}

    produced = await event_ids(db)
    await eventually(lambda: set(receiver.ids()) >= produced, timeout=120, every=0.5)
    await asyncio.sleep(2)  # anything sent twice would have arrived by now
    counts = Counter(receiver.ids())
    assert set(counts) >= produced
    assert max(counts.values()) == 1, [i for i, n in counts.items() if n > 1][:5]

    async with db.connect() as conn:
        duplicated = (
            await conn.execute(
                text(
                    "SELECT type, subject, coalesce(data->'level'->>'level', ''), count(*) "
                    "FROM outbox_events WHERE type IN ('invoice.overdue', 'installment.overdue',"
                    " 'invoice.dunning_level_changed', 'task.overdue', 'installment.due_soon') "
                    "GROUP BY 1, 2, 3 HAVING count(*) > 1"
                )
            )
        ).all()
        overdue = (
            await conn.execute(
                text("SELECT count(*) FROM outbox_events WHERE type = 'invoice.overdue'")
            )
        ).scalar()
        over_allocated = (
            await conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM invoices WHERE amount_paid > amount) + "
                    "(SELECT count(*) FROM payments WHERE allocated_amount > amount)"
                )
            )
        ).scalar()
        payments_held = (
            await conn.execute(text("SELECT count(*), count(DISTINCT external_id) FROM payments"))
        ).one()
    assert duplicated == []
    assert overdue  # the jobs did find things
    assert over_allocated == 0
    assert tuple(payments_held) == (140, 140)
    figure(
        f"{len(produced)} events each delivered once by two relays; {overdue} invoice.overdue "
        f"findings, none twice; {payments_held[0]} payments once each, none over-allocated"
    )

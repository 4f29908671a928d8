"""Two `huikuan serve` processes, each scheduling `limitation-check` every second, plus
run-nows on both at once, over invoices whose limitation periods near their end: each
invoice is warned once per threshold, and flagged once."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.reliability.conftest import Figure, Spawn, client

INVOICES = 30
SCHEDULER = {
    "HUIKUAN_SCHEDULER_FIRST_RUN_DELAY_S": "0.5",
    "HUIKUAN_JOB_LIMITATION_CHECK_S": "1",
    "HUIKUAN_SCHEDULER_BATCH_SIZE": "4",
}


async def test_two_replicas_warn_once_per_threshold(
    spawn: Spawn, db: AsyncEngine, figure: Figure
) -> None:
    # Due three years less 60 days ago (by the real clock): 180 and 90 days reached.
    due = date.today() - timedelta(days=3 * 365 - 60)
    a, b = spawn("serve", **SCHEDULER), spawn("serve", **SCHEDULER)
    async with client(a.base_url) as api_a, client(b.base_url) as api_b:
        made = await api_a.post("/v1/customers", json={"name": "时效客户", "currency": "CNY"})
        customer_id = made.json()["id"]

        async def bill(api: httpx.AsyncClient, n: int) -> None:
            body = {
                "customer_id": customer_id, "external_id": f"OLD-{n}", "amount": "100.00",
                "currency": "CNY", "issued_on": due.isoformat(), "due_date": due.isoformat(),
            }  # fmt: skip
            response = await api.post("/v1/invoices", json=body)
            assert response.status_code == 201, response.text

        async def run_now(api: httpx.AsyncClient) -> None:
            response = await api.post("/v1/admin/jobs/limitation-check/run")
            assert response.status_code in {200, 409}, response.text

        await asyncio.gather(*(bill(api_a if n % 2 else api_b, n) for n in range(INVOICES)))
        await asyncio.gather(*(run_now(api) for api in (api_a, api_b, api_a, api_b)))
        await asyncio.sleep(3)  # a few scheduled runs in both replicas
        await asyncio.gather(run_now(api_a), run_now(api_b))

    async with db.connect() as conn:
        per_invoice = (
            await conn.execute(
                text(
                    "SELECT subject, count(*) FROM outbox_events "
                    "WHERE type = 'invoice.limitation_expiring' GROUP BY subject"
                )
            )
        ).all()
        findings = (
            await conn.execute(
                text(
                    "SELECT count(*), count(DISTINCT (subject_id, key)) FROM findings "
                    "WHERE kind = 'invoice.limitation_expiring'"
                )
            )
        ).one()
        flags = (
            await conn.execute(
                text("SELECT count(*) FROM risk_flags WHERE kind = 'legal' AND rule = 'limitation'")
            )
        ).scalar()
    assert len(per_invoice) == INVOICES
    assert {count for _, count in per_invoice} == {1}
    assert tuple(findings) == (2 * INVOICES, 2 * INVOICES)
    assert flags == INVOICES
    figure(
        f"{INVOICES} invoices 60 days from expiry, two replicas checking every second and "
        f"4 concurrent run-nows: {len(per_invoice)} warnings, {findings[0]} findings, "
        f"{flags} legal flags, none twice"
    )

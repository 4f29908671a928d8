"""promise-check on PostgreSQL: open promises past their date (plus the grace days) are
broken once, and the customer's broken-promise flag climbs the ladder."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx

from app.services.platform import Platform
from tests.e2e.collection import flags, interaction
from tests.e2e.receivables import customer, invoice, ok
from tests.fakes import FixedClock
from tests.integration.jobs import Jobs


async def promise(
    api: httpx.AsyncClient, customer_id: str, on: str, amount: str, invoice_id: str | None = None
) -> dict[str, Any]:
    made = await interaction(
        api,
        customer_id,
        invoice_id=invoice_id,
        promise={"amount": amount, "currency": "CNY", "promised_date": on},
    )
    return dict(made["promise"])


async def status(api: httpx.AsyncClient, promise_id: str) -> str:
    return str(ok(await api.get(f"/v1/promises/{promise_id}"))["status"])


async def test_past_promises_are_broken_once_and_flag_the_customer(
    api: httpx.AsyncClient, jobs: Jobs, clock: FixedClock
) -> None:
    c = await customer(api)
    bill = await invoice(api, c["id"], amount="5000.00", due_date="2026-12-31")
    other = await invoice(api, c["id"], amount="5000.00", due_date="2026-12-31")
    # Promises for an invoice count only what is paid to it.
    broken = await promise(api, c["id"], "2026-11-30", "500.00", other["id"])
    partly = await promise(api, c["id"], "2026-11-28", "1000.00", bill["id"])
    later = await promise(api, c["id"], "2026-12-10", "800.00", other["id"])
    payment = {
        "customer_id": c["id"],
        "amount": "300.00",
        "currency": "CNY",
        "received_on": "2026-11-27",
        "allocations": [{"invoice_id": bill["id"], "amount": "300.00"}],
    }
    ok(await api.post("/v1/payments", json=payment), 201)
    assert await status(api, partly["id"]) == "partially_kept"

    assert (await jobs.run("promise-check")).events == 0  # nothing is past its date yet

    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    before = await jobs.types()
    first = await jobs.run("promise-check")
    assert await jobs.types() - before == Counter({"promise.broken": 1, "risk.raised": 1})
    assert (first.examined, first.findings, first.events) == (1, 1, 2)
    assert [await status(api, p["id"]) for p in (broken, partly, later)] == [
        "broken",
        "partially_kept",  # partly kept by its deadline: stays so, no event
        "open",
    ]
    (event,) = await jobs.events("promise.broken")
    assert event["subject"] == f"promises/{broken['id']}"
    (flag,) = await flags(api, kind="broken_promise")
    assert (flag["subject"], flag["severity"]) == ({"type": "customer", "id": c["id"]}, "medium")

    assert await jobs.run("promise-check") == type(first)(0, 0, 0)

    another = await promise(api, c["id"], "2026-12-02", "200.00", other["id"])
    clock.set(datetime(2026, 12, 11, 8, 0, tzinfo=UTC))
    before = await jobs.types()
    await jobs.run("promise-check")
    # Two more broken (another, later): three in the window is critical.
    assert await jobs.types() - before == Counter({"promise.broken": 2, "risk.escalated": 1})
    assert await status(api, another["id"]) == "broken"
    (flag,) = await flags(api, kind="broken_promise")
    assert flag["severity"] == "critical"


async def test_grace_days_push_the_deadline(
    api: httpx.AsyncClient, platform: Platform, jobs: Jobs, clock: FixedClock
) -> None:
    graceful = Jobs(replace(platform, promise_grace_days=2), jobs.db)
    c = await customer(api)
    kept_waiting = await promise(api, c["id"], "2026-11-30", "500.00")
    clock.set(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))  # the deadline itself
    assert (await graceful.run("promise-check")).events == 0
    clock.set(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    assert (await graceful.run("promise-check")).findings == 1
    assert await status(api, kept_waiting["id"]) == "broken"

"""due-soon on PostgreSQL: installments and invoices due within HUIKUAN_DUE_SOON_DAYS (3),
once per item and due date; a reschedule re-arms the reminder."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import httpx

from tests.e2e.receivables import contract, customer, invoice, ok
from tests.fakes import FixedClock
from tests.integration.jobs import Jobs

PLAN = [
    {"name": "预付款", "due_date": "2026-11-27", "percent": "30"},  # today, paid in full
    {"name": "进度款", "due_date": "2026-11-29", "percent": "40"},  # in two days
    {"name": "尾款", "due_date": "2026-12-05", "percent": "30"},  # in eight days
]


async def test_due_soon_once_per_item_and_due_date(
    api: httpx.AsyncClient, jobs: Jobs, clock: FixedClock
) -> None:
    c = await customer(api)
    k = await contract(api, c["id"], installments=PLAN)
    prepaid, progress, final = k["installments"]
    paid = await invoice(
        api,
        c["id"],
        contract_id=k["id"],
        installment_id=prepaid["id"],
        amount=prepaid["amount"],
        due_date="2026-11-27",
    )
    payment = {
        "customer_id": c["id"],
        "amount": prepaid["amount"],
        "currency": "CNY",
        "received_on": "2026-11-26",
        "allocations": [{"invoice_id": paid["id"], "amount": prepaid["amount"]}],
    }
    ok(await api.post("/v1/payments", json=payment), 201)
    soon = await invoice(api, c["id"], external_id="INV-SOON", due_date="2026-11-30")
    await invoice(api, c["id"], external_id="INV-LATER", due_date="2026-12-01")
    await invoice(api, c["id"], external_id="INV-PAST", due_date="2026-11-26")
    before = await jobs.types()

    first = await jobs.run("due-soon")

    assert await jobs.types() - before == Counter(
        {"installment.due_soon": 1, "invoice.due_soon": 1}
    )
    (reminder,) = await jobs.events("installment.due_soon")
    assert reminder["subject"] == f"installments/{progress['id']}"
    assert reminder["data"]["days_until_due"] == 2
    assert reminder["data"]["object"]["outstanding"] == progress["amount"]
    (invoice_reminder,) = await jobs.events("invoice.due_soon")
    assert invoice_reminder["subject"] == f"invoices/{soon['id']}"
    assert invoice_reminder["data"]["days_until_due"] == 3
    # The paid installment (and its paid invoice) and the progress one were examined.
    assert (first.examined, first.findings, first.events) == (3, 2, 2)

    assert (await jobs.run("due-soon")).events == 0

    # Rescheduled to another date within the window: a new reminder for the new date.
    url = f"/v1/contracts/{k['id']}/installments"
    moved = {"due_date": "2026-11-30", "reason": "客户要求"}
    ok(await api.post(f"{url}/{progress['id']}/reschedule", json=moved))
    # Rescheduled into the window from outside it: its first reminder.
    closer = {"due_date": "2026-11-28", "reason": "提前验收"}
    ok(await api.post(f"{url}/{final['id']}/reschedule", json=closer))
    before = await jobs.types()
    await jobs.run("due-soon")
    assert await jobs.types() - before == Counter({"installment.due_soon": 2})
    dates = [e["data"]["object"]["due_date"] for e in await jobs.events("installment.due_soon")]
    assert dates == ["2026-11-29", "2026-11-28", "2026-11-30"]

    # Two days on, the invoice due on 2026-12-01 comes into the window.
    clock.set(datetime(2026, 11, 29, 8, 0, tzinfo=UTC))
    before = await jobs.types()
    await jobs.run("due-soon")
    assert await jobs.types() - before == Counter({"invoice.due_soon": 1})
    assert (await jobs.run("due-soon")).events == 0

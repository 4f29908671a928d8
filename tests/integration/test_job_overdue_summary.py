"""overdue-summary on PostgreSQL: one event a day per customer with overdue items, listing
them all; installments paid since are cleared from the list."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import httpx

from tests.e2e.receivables import contract, customer, invoice, ok
from tests.fakes import FixedClock
from tests.integration.jobs import Jobs

PLAN = [
    {"name": "签约款", "due_date": "2026-10-01", "percent": "30"},
    {"name": "验收款", "due_date": "2027-03-31", "percent": "70"},
]


async def pay(api: httpx.AsyncClient, customer_id: str, invoice_id: str, amount: str) -> None:
    body = {
        "customer_id": customer_id,
        "amount": amount,
        "currency": "CNY",
        "received_on": "2026-11-27",
        "allocations": [{"invoice_id": invoice_id, "amount": amount}],
    }
    ok(await api.post("/v1/payments", json=body), 201)


async def test_one_summary_a_day_per_customer_with_overdue_items(
    api: httpx.AsyncClient, jobs: Jobs, clock: FixedClock
) -> None:
    a = await customer(api, name="甲公司")
    k = await contract(api, a["id"], installments=PLAN)
    await invoice(api, a["id"], external_id="A-1", due_date="2026-11-01")
    second = await invoice(api, a["id"], external_id="A-2", due_date="2026-11-20")
    await pay(api, a["id"], second["id"], "400.00")
    await invoice(api, a["id"], external_id="A-3", due_date="2026-12-31")
    b = await customer(api, name="乙公司")
    await invoice(api, b["id"], external_id="B-1", due_date="2026-12-31")
    c = await customer(api, name="丙公司")
    disputed = await invoice(api, c["id"], external_id="C-1", due_date="2026-11-10")
    ok(await api.post(f"/v1/invoices/{disputed['id']}/dispute", json={"reason": "质量问题"}))
    d = await customer(api, name="丁公司")
    await contract(api, d["id"], installments=PLAN)  # only an installment is overdue

    await jobs.run("overdue-scan")  # finds the overdue installments
    before = await jobs.types()
    result = await jobs.run("overdue-summary")

    assert await jobs.types() - before == Counter({"customer.overdue_summary": 3})
    assert (result.examined, result.findings, result.events) == (3, 3, 3)
    summaries = {e["subject"]: e["data"] for e in await jobs.events("customer.overdue_summary")}
    assert set(summaries) == {f"customers/{x['id']}" for x in (a, c, d)}
    of_a = summaries[f"customers/{a['id']}"]
    assert of_a["object"]["name"] == "甲公司"
    assert of_a["as_of"] == "2026-11-27"
    assert [(i["external_id"], i["days_overdue"], i["outstanding"]) for i in of_a["invoices"]] == [
        ("A-1", 26, "1000.00"),
        ("A-2", 7, "600.00"),
    ]
    assert of_a["invoices"][0]["dunning_level"] == 2
    ((installment),) = of_a["installments"]
    assert (installment["name"], installment["contract_id"], installment["outstanding"]) == (
        "签约款",
        k["id"],
        "300000.00",
    )
    assert of_a["totals"] == [
        {"currency": "CNY", "invoices": "1600.00", "installments": "300000.00"}
    ]
    of_c = summaries[f"customers/{c['id']}"]
    assert [(i["external_id"], i["disputed"]) for i in of_c["invoices"]] == [("C-1", True)]
    of_d = summaries[f"customers/{d['id']}"]
    assert (of_d["invoices"], len(of_d["installments"])) == ([], 1)

    assert (await jobs.run("overdue-summary")).events == 0  # once a day

    # The installment is invoiced and paid: the next day it is no longer listed.
    signing = k["installments"][0]
    bill = await invoice(
        api,
        a["id"],
        contract_id=k["id"],
        installment_id=signing["id"],
        amount=signing["amount"],
        due_date="2026-11-27",
    )
    await pay(api, a["id"], bill["id"], signing["amount"])
    clock.set(datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
    before = await jobs.types()
    await jobs.run("overdue-summary")
    assert await jobs.types() - before == Counter({"customer.overdue_summary": 3})
    latest = {e["subject"]: e["data"] for e in await jobs.events("customer.overdue_summary")}
    assert latest[f"customers/{a['id']}"]["installments"] == []
    assert latest[f"customers/{a['id']}"]["as_of"] == "2026-11-28"
    standing = "kind = 'installment.overdue' AND cleared_at IS NULL"
    assert await jobs.count("findings", standing) == 1  # d's

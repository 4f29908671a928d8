"""limitation-check on PostgreSQL: one ``invoice.limitation_expiring`` per invoice, threshold
and running period; the ``legal`` flag from the second threshold on; an interruption re-arms
the thresholds; it reads only what nears a threshold; two runs at once warn once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx

from app.domain.i18n import message
from tests.e2e.collection import flags, interaction
from tests.e2e.receivables import contract, customer, invoice, ok
from tests.fakes import FixedClock
from tests.integration.jobs import Jobs

LETTER = [{"url": "https://docs.example.com/demand.pdf", "name": "律师函"}]


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T02:00:00").replace(tzinfo=UTC)


async def seed(api: httpx.AsyncClient) -> dict[str, Any]:
    """Today 2026-11-27: A expires 2027-01-31 (65 days), B 2027-06-30 (215), C in 2029."""
    c = await customer(api)
    a = await invoice(api, c["id"], external_id="A", issued_on="2024-01-01", due_date="2024-01-31")
    b = await invoice(api, c["id"], external_id="B", issued_on="2024-06-01", due_date="2024-06-30")
    return {"customer": c, "a": a, "b": b, "c": await invoice(api, c["id"], external_id="C")}


async def warnings(jobs: Jobs) -> list[tuple[str, int]]:
    found = await jobs.events("invoice.limitation_expiring")
    return [(e["data"]["object"]["ref"], e["data"]["threshold_days"]) for e in found]


async def test_each_threshold_warns_once_and_an_interruption_re_arms_them(
    api: httpx.AsyncClient, jobs: Jobs, clock: FixedClock
) -> None:
    made = await seed(api)
    first = await jobs.run("limitation-check")
    assert first.examined == 1  # only A is near a threshold; B and C are never read
    assert await warnings(jobs) == [("A", 90)]  # 180 and 90 reached at once: the narrower
    assert await jobs.count("findings", "kind = 'invoice.limitation_expiring'") == 2
    legal = await flags(api, kind="legal")
    assert [(f["subject"]["id"], f["severity"]) for f in legal] == [(made["a"]["id"], "high")]
    event = (await jobs.events("invoice.limitation_expiring"))[0]["data"]["object"]
    assert event["limitation"]["expires_on"] == "2027-01-31"
    assert event["days_left"] == 65

    again = await jobs.run("limitation-check")
    assert (again.examined, again.events) == (0, 0)

    clock.set(at("2027-01-01"))
    await jobs.run("limitation-check")
    assert sorted(await warnings(jobs)) == [("A", 30), ("A", 90), ("B", 180)]
    assert [f["severity"] for f in await flags(api, kind="legal")] == ["critical"]

    # A demand by letter with evidence starts A's period again (to 2030-01-02).
    await interaction(
        api, made["customer"]["id"], invoice_id=made["a"]["id"], channel="letter",
        demand=True, evidence=LETTER, occurred_at="2027-01-02T10:00:00+08:00",
    )  # fmt: skip
    clock.set(at("2029-07-06"))
    await jobs.run("limitation-check")
    # A's new period reaches its first threshold; B, expired meanwhile, its last; C its first.
    assert sorted((await warnings(jobs))[3:]) == [("A", 180), ("B", 30), ("C", 180)]
    latest = {
        e["data"]["object"]["ref"]: e["data"]["object"]
        for e in await jobs.events("invoice.limitation_")
    }
    assert latest["A"]["limitation"]["starts_on"] == "2027-01-02"
    assert latest["A"]["limitation"]["last_interruption"]["kind"] == "demand"
    assert latest["B"]["expired"] is True
    assert (await jobs.run("limitation-check")).events == 0


async def test_a_new_due_date_puts_the_invoice_back_in_the_queue(
    api: httpx.AsyncClient, jobs: Jobs
) -> None:
    made = await seed(api)
    await jobs.run("limitation-check")
    patched = await api.patch(
        f"/v1/invoices/{made['c']['id']}",
        json={"issued_on": "2024-01-01", "due_date": "2024-01-10"},
    )
    assert patched.status_code == 200, patched.text
    await jobs.run("limitation-check")
    assert ("C", 90) in await warnings(jobs)


async def test_two_runs_at_once_warn_once(api: httpx.AsyncClient, jobs: Jobs) -> None:
    c = await customer(api)
    for number in range(7):
        await invoice(
            api, c["id"], external_id=f"OLD-{number}", issued_on="2023-12-01", due_date="2024-01-31"
        )
    before = await jobs.types()
    one, two = await asyncio.gather(jobs.run("limitation-check"), jobs.run("limitation-check"))
    assert await jobs.types() - before == Counter(
        {"invoice.limitation_expiring": 7, "risk.raised": 7}
    )
    assert one.findings + two.findings == 14
    assert await jobs.count("findings") == 14


async def test_the_worklist_asks_for_a_demand(api: httpx.AsyncClient, jobs: Jobs) -> None:
    c = await customer(api)
    k = await contract(api, c["id"], signed_on="2023-01-10", installments=[
        {"name": "全款", "due_date": "2024-01-31", "percent": "100"}])  # fmt: skip
    old = await invoice(
        api, c["id"], contract_id=k["id"], external_id="OLD", issued_on="2024-01-01",
        due_date="2024-01-31", installment_id=k["installments"][0]["id"],
    )  # fmt: skip
    await jobs.run("limitation-check")
    items = ok(await api.get("/v1/worklist", params={"assignee": "u-sales-1"}))["data"]
    mine = next(i for i in items if i["id"] == f"invoice:{old['id']}")
    assert mine["next_action"] == "send_demand"
    reasons = {r["factor"]: r["points"] for r in mine["reasons"]}
    assert reasons["limitation_expiring"] == "30.00"
    accepted = await api.post(
        f"/v1/worklist/invoice:{old['id']}/accept", params={"assignee": "u-sales-1"}
    )
    task = ok(accepted, 201)
    # The title is in HUIKUAN_LOCALE (zh-CN unless set).
    assert task["kind"] == "legal"
    assert task["title"].startswith(message("zh-CN", "task.action.send_demand"))


async def test_an_installment_not_yet_invoiced_is_warned_on_its_contract(
    api: httpx.AsyncClient, jobs: Jobs
) -> None:
    c = await customer(api)
    plan = [
        {"name": "进度款", "due_date": "2024-01-31", "percent": "50"},
        {"name": "尾款", "due_date": "2024-02-29", "percent": "50"},
    ]
    k = await contract(api, c["id"], signed_on="2023-01-10", installments=plan)
    billed = k["installments"][1]
    await invoice(
        api, c["id"], contract_id=k["id"], installment_id=billed["id"], external_id="尾款发票",
        amount="500000.00", issued_on="2024-02-01", due_date="2024-02-29",
    )  # fmt: skip
    await jobs.run("limitation-check")
    found = await jobs.events("installment.limitation_expiring")
    assert [
        (e["subject"], e["data"]["object"]["ref"], e["data"]["threshold_days"]) for e in found
    ] == [(f"installments/{k['installments'][0]['id']}", "进度款", 90)]
    assert found[0]["data"]["object"]["kind"] == "installment"
    invoices = await jobs.events("invoice.limitation_")
    assert [e["data"]["object"]["ref"] for e in invoices] == ["尾款发票"]
    legal = await flags(api, kind="legal")
    assert [(f["subject"]["id"], f["severity"]) for f in legal] == [(k["id"], "high")]
    assert (await jobs.run("limitation-check")).examined == 0

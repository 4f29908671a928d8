"""overdue-scan on PostgreSQL: invoices, installments and tasks in the past, present and
future; dunning levels and the overdue risk flag; nothing new on a second run; holds,
disputes and a new dunning policy put invoices back in the queue."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx

from app.services.jobs import JobResult
from tests.e2e.collection import flags, task
from tests.e2e.receivables import contract, customer, invoice, ok
from tests.fakes import FixedClock
from tests.integration.jobs import Jobs

PLAN = [
    {"name": "签约款", "due_date": "2026-10-01", "percent": "30"},
    {"name": "交付款", "due_date": "2026-11-27", "percent": "40"},
    {"name": "验收款", "due_date": "2027-03-31", "percent": "30"},
]


async def new_events(jobs: Jobs, before: Counter[str]) -> Counter[str]:
    return await jobs.types() - before


async def seed(api: httpx.AsyncClient) -> dict[str, Any]:
    """Today is 2026-11-27 (the FixedClock's date in Asia/Shanghai)."""
    c = await customer(api)
    k = await contract(api, c["id"], installments=PLAN)
    made = {
        "customer": c,
        "contract": k,
        "late": await invoice(
            api, c["id"], contract_id=k["id"], external_id="INV-LATE", due_date="2026-10-31"
        ),
        "today": await invoice(api, c["id"], external_id="INV-TODAY", due_date="2026-11-27"),
        "future": await invoice(api, c["id"], external_id="INV-FUTURE", due_date="2026-12-31"),
        "paid": await invoice(api, c["id"], external_id="INV-PAID", due_date="2026-11-01"),
        "disputed": await invoice(api, c["id"], external_id="INV-DISP", due_date="2026-11-10"),
        "held": await invoice(api, c["id"], external_id="INV-HELD", due_date="2026-11-10"),
        "task_late": await task(api, due_date="2026-11-20", assignee="u-1"),
        "task_today": await task(api, due_date="2026-11-27"),
        "task_none": await task(api),
    }
    cancelled = await task(api, due_date="2026-11-20")
    ok(await api.patch(f"/v1/tasks/{cancelled['id']}", json={"status": "cancelled"}))
    paid = made["paid"]["id"]
    payment = {
        "customer_id": c["id"],
        "amount": "1000.00",
        "currency": "CNY",
        "received_on": "2026-11-02",
        "allocations": [{"invoice_id": paid, "amount": "1000.00"}],
    }
    ok(await api.post("/v1/payments", json=payment), 201)
    disputed = made["disputed"]["id"]
    ok(await api.post(f"/v1/invoices/{disputed}/dispute", json={"reason": "数量不符"}))
    held = made["held"]["id"]
    ok(
        await api.post(
            f"/v1/invoices/{held}/hold", json={"reason": "等待验收", "until": "2026-12-05"}
        )
    )
    return made


async def test_first_run_finds_what_is_overdue_and_a_second_run_nothing(
    api: httpx.AsyncClient, jobs: Jobs
) -> None:
    made = await seed(api)
    before = await jobs.types()

    first = await jobs.run("overdue-scan")

    found = await new_events(jobs, before)
    assert found == Counter(
        {
            "invoice.overdue": 3,  # late, disputed, held
            "invoice.dunning_level_changed": 1,  # late: 27 days, straight to level 2
            "task.created": 1,  # level 2 opens a task for the contract's owner
            "risk.raised": 1,  # late: low (1-29 days); disputed and held are skipped
            "installment.overdue": 1,  # 签约款, not invoiced at all
            "task.overdue": 1,
        }
    )
    # The dispute flag raised when the invoice was disputed is not this job's.
    assert (first.examined, first.findings, first.events) == (5, 7, 8)

    overdue = {e["data"]["object"]["external_id"] for e in await jobs.events("invoice.overdue")}
    assert overdue == {"INV-LATE", "INV-DISP", "INV-HELD"}
    (dunning,) = await jobs.events("invoice.dunning_level_changed")
    assert dunning["subject"] == f"invoices/{made['late']['id']}"
    assert dunning["data"]["changes"] == {"dunning_level": {"from": 0, "to": 2}}
    assert dunning["data"]["level"]["action"] == "escalate"
    assert dunning["data"]["object"]["dunning_level"] == 2
    assert dunning["data"]["actor"]["api_key"] == "system:scheduler"
    dunning_task = ok(await api.get(f"/v1/tasks/{dunning['data']['task_id']}"))
    assert (dunning_task["assignee"], dunning_task["invoice_id"], dunning_task["priority"]) == (
        "u-sales-1",
        made["late"]["id"],
        "high",
    )
    (installment,) = await jobs.events("installment.overdue")
    assert installment["data"]["object"]["name"] == "签约款"
    assert installment["data"]["object"]["days_overdue"] == 57
    (late_task,) = await jobs.events("task.overdue")
    assert late_task["subject"] == f"tasks/{made['task_late']['id']}"

    late = ok(await api.get(f"/v1/invoices/{made['late']['id']}"))
    assert (late["dunning_level"], late["version"]) == (2, made["late"]["version"] + 1)
    (flag,) = await flags(api, kind="overdue")
    assert (flag["subject"]["id"], flag["severity"], flag["rule"]) == (
        made["late"]["id"],
        "low",
        "overdue",
    )

    again = await jobs.run("overdue-scan")
    assert (again.examined, again.findings, again.events) == (0, 0, 0)
    assert await new_events(jobs, before) == found


async def test_days_later_levels_go_up_holds_end_and_todays_items_fall_due(
    api: httpx.AsyncClient, jobs: Jobs, clock: FixedClock
) -> None:
    made = await seed(api)
    await jobs.run("overdue-scan")
    before = await jobs.types()

    clock.set(datetime(2026, 12, 7, 8, 0, tzinfo=UTC))
    await jobs.run("overdue-scan")

    assert await new_events(jobs, before) == Counter(
        {
            "invoice.overdue": 1,  # INV-TODAY, now 10 days late
            "invoice.dunning_level_changed": 3,  # late 2->3, today 0->1, held 0->2
            "task.created": 2,  # levels 3 and 2 open tasks; level 1 does not
            "risk.escalated": 1,  # late: 37 days is medium
            "risk.raised": 2,  # today and held (its hold ended on 2026-12-05): low
            "installment.overdue": 1,  # 交付款
            "task.overdue": 2,  # task_today, and the dunning task due 2026-11-30
        }
    )
    levels = {
        e["data"]["object"]["external_id"]: e["data"]["changes"]["dunning_level"]
        for e in await jobs.events("invoice.dunning_level_changed")
    }
    assert levels["INV-TODAY"] == {"from": 0, "to": 1}
    assert levels["INV-HELD"] == {"from": 0, "to": 2}
    assert levels["INV-LATE"] == {"from": 2, "to": 3}  # the last of its two

    # The dispute is resolved: the invoice is looked at again and dunned like the others.
    before = await jobs.types()
    ok(await api.post(f"/v1/invoices/{made['disputed']['id']}/resolve-dispute", json={}))
    await jobs.run("overdue-scan")
    assert await new_events(jobs, before) == Counter(
        {
            "risk.resolved": 1,  # the dispute flag, by resolving the dispute
            "invoice.updated": 1,
            "invoice.dunning_level_changed": 1,
            "task.created": 1,
            "risk.raised": 1,
        }
    )
    assert await jobs.run("overdue-scan") == JobResult(0, 0, 0)


async def test_a_new_dunning_policy_applies_to_invoices_already_dunned(
    api: httpx.AsyncClient, jobs: Jobs, clock: FixedClock
) -> None:
    c = await customer(api)
    late = await invoice(api, c["id"], due_date="2026-11-07")  # 20 days late: level 2
    await jobs.run("overdue-scan")
    assert ok(await api.get(f"/v1/invoices/{late['id']}"))["dunning_level"] == 2

    policy = ok(await api.get("/v1/dunning-policy"))
    levels = [
        {"level": 1, "days_overdue": 1, "action": "reminder", "create_task": False},
        {"level": 2, "days_overdue": 15, "action": "escalate", "create_task": False},
        {"level": 3, "days_overdue": 20, "action": "final_notice", "create_task": False},
    ]
    changed = await api.put(
        "/v1/dunning-policy",
        json={"levels": levels},
        headers={"If-Match": f'"{policy["version"]}"'},
    )
    assert changed.status_code == 200, changed.text
    before = await jobs.types()
    result = await jobs.run("overdue-scan")
    assert result.examined == 1
    assert await new_events(jobs, before) == Counter({"invoice.dunning_level_changed": 1})
    assert ok(await api.get(f"/v1/invoices/{late['id']}"))["dunning_level"] == 3


async def test_a_paid_invoice_leaves_the_queue_and_a_new_due_date_is_a_new_finding(
    api: httpx.AsyncClient, jobs: Jobs, clock: FixedClock
) -> None:
    c = await customer(api)
    late = await invoice(api, c["id"], due_date="2026-11-20")
    await jobs.run("overdue-scan")
    # Corrected to a later date, the invoice is no longer overdue; once that date passes,
    # it is overdue again, for the new date.
    url = f"/v1/invoices/{late['id']}"
    version = ok(await api.get(url))["version"]
    patched = await api.patch(
        url, json={"due_date": "2026-12-01"}, headers={"If-Match": f'"{version}"'}
    )
    assert patched.status_code == 200, patched.text
    before = await jobs.types()
    assert (await jobs.run("overdue-scan")).events == 0
    clock.set(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    await jobs.run("overdue-scan")
    assert (await new_events(jobs, before))["invoice.overdue"] == 1
    (_, second) = await jobs.events("invoice.overdue")
    assert second["data"]["object"]["due_date"] == "2026-12-01"

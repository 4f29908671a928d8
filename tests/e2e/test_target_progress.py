"""GET /v1/targets/{id}/progress: the collected curve beside the expected curve."""

from __future__ import annotations

import uuid

import httpx

from tests.e2e.collection import target
from tests.e2e.receivables import customer, invoice, ok, payment
from tests.e2e.report_books import pay


async def test_a_straight_line_target_day_by_day(api: httpx.AsyncClient) -> None:
    x = await customer(api)
    for amount, received in (
        ("100.00", "2026-11-23"),
        ("200.00", "2026-11-25"),
        ("50.00", "2026-11-27"),
        ("999.00", "2026-11-30"),  # after the period
    ):
        await payment(api, x["id"], amount=amount, received_on=received, allocations=[])
    bounced = await payment(api, x["id"], amount="500.00", received_on="2026-11-24", allocations=[])
    ok(await api.post(f"/v1/payments/{bounced['id']}/reverse", json={}))
    made = await target(api, amount="3000.00", period_start="2026-11-23", period_end="2026-11-29")
    curve = ok(await api.get(f"/v1/targets/{made['id']}/progress"))
    assert (curve["interval"], curve["expected_basis"], curve["today"]) == (
        "day",
        "straight_line",
        "2026-11-27",
    )
    # Expected: 3000 × days so far ÷ 7, rounded down; nothing collected after today yet.
    assert [(p["date"], p["collected"], p["expected"]) for p in curve["points"]] == [
        ("2026-11-23", "100.00", "428.57"),
        ("2026-11-24", "100.00", "857.14"),
        ("2026-11-25", "300.00", "1285.71"),
        ("2026-11-26", "300.00", "1714.28"),
        ("2026-11-27", "350.00", "2142.85"),
        ("2026-11-28", None, "2571.42"),
        ("2026-11-29", None, "3000.00"),
    ]
    weekly = ok(await api.get(f"/v1/targets/{made['id']}/progress", params={"interval": "week"}))
    assert weekly["points"] == [
        {"date": "2026-11-29", "collected": "350.00", "expected": "3000.00"}
    ]


async def test_a_plan_shaped_target_week_by_week(api: httpx.AsyncClient) -> None:
    x = await customer(api)
    plan = ok(
        await api.post(
            "/v1/contracts",
            json={
                "customer_id": x["id"],
                "name": "系统集成",
                "amount": "1000.00",
                "currency": "CNY",
                "owner": "u-li",
                "signed_on": "2026-11-01",
                "installments": [
                    {"name": "一期", "due_date": "2026-11-24", "amount": "400.00"},
                    {"name": "二期", "due_date": "2026-12-10", "amount": "600.00"},
                ],
            },
        ),
        201,
    )
    bill = await invoice(
        api, x["id"], amount="400.00", issued_on="2026-11-20", due_date="2026-11-24",
        contract_id=plan["id"], installment_id=plan["installments"][0]["id"],
    )  # fmt: skip
    await payment(
        api,
        x["id"],
        amount="150.00",
        received_on="2026-11-21",
        allocations=pay(bill["id"], "150.00"),
    )
    made = await target(
        api, amount="2000.00", period_start="2026-11-20", period_end="2026-12-31",
        scope="contract", scope_id=plan["id"],
    )  # fmt: skip
    curve = ok(await api.get(f"/v1/targets/{made['id']}/progress", params={"interval": "week"}))
    assert curve["expected_basis"] == "plan"
    # 400 of the 1000 planned fall due 11-24, the rest 12-10: 800.00 then 2000.00.
    assert [(p["date"], p["collected"], p["expected"]) for p in curve["points"]] == [
        ("2026-11-22", "150.00", "0.00"),
        ("2026-11-29", "150.00", "800.00"),
        ("2026-12-06", None, "800.00"),
        ("2026-12-13", None, "2000.00"),
        ("2026-12-20", None, "2000.00"),
        ("2026-12-27", None, "2000.00"),
        ("2026-12-31", None, "2000.00"),
    ]


async def test_progress_of_an_unknown_target_and_bad_interval(api: httpx.AsyncClient) -> None:
    missing = await api.get(f"/v1/targets/{uuid.uuid4()}/progress")
    assert missing.status_code == 404
    made = await target(api)
    assert (await api.get(f"/v1/targets/{made['id']}/progress?interval=month")).status_code == 422

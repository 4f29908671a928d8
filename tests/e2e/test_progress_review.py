"""GET /v1/reports/progress-review on a seeded book: its figures are the individual
reports' figures (same numbers), and the sections the reports do not cover are worked out
by hand (tests/e2e/report_people.py describes the book)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.domain.reporting.review import SECTION_KEYS
from tests.e2e.collection import target, task
from tests.e2e.receivables import contract, customer, invoice, ok
from tests.e2e.report_people import people_book
from tests.fakes import FixedClock

PERIOD = {"from": "2026-11-01", "to": "2026-11-20"}


def section(review: dict[str, Any], key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in review["sections"] if s["key"] == key)
    return found


def rows(review: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return list(section(review, key)["rows"])


@pytest.fixture
async def review(api: httpx.AsyncClient, clock: FixedClock, db: AsyncEngine) -> dict[str, Any]:
    await people_book(api, clock, db)
    return ok(await api.get("/v1/reports/progress-review", params=PERIOD))


async def test_every_section_in_order_and_each_available(review: dict[str, Any]) -> None:
    assert [s["key"] for s in review["sections"]] == list(SECTION_KEYS)
    for s in review["sections"]:
        assert s["available"] is True, s["key"]
        for row in s["rows"]:
            assert list(row) == s["columns"]
    assert (review["from"], review["to"]) == ("2026-11-01", "2026-11-20")
    assert (review["previous_from"], review["previous_to"]) == ("2026-10-12", "2026-10-31")
    assert (review["next_from"], review["next_to"]) == ("2026-11-21", "2026-12-10")


async def test_collected_and_kpis_are_the_kpi_reports(
    api: httpx.AsyncClient, review: dict[str, Any]
) -> None:
    now = ok(await api.get("/v1/reports/kpis", params=PERIOD))["data"]
    before = ok(
        await api.get("/v1/reports/kpis", params={"from": "2026-10-12", "to": "2026-10-31"})
    )["data"]
    found = {r["currency"]: r for r in rows(review, "collection")}
    for k in now:
        row = found[k["currency"]]
        for key in ("collected", "billed", "closing_receivables", "overdue", "dso", "cei"):
            assert row[key] == k[key], key
    previous = {k["currency"]: k["collected"] for k in before}
    assert found["CNY"]["previous_collected"] == previous.get("CNY", "0.00")
    assert found["CNY"]["collected"] == "2600.00"  # 1000 + 500 + 800 + 300


async def test_ageing_and_top_customers_are_the_ageing_report(
    api: httpx.AsyncClient, review: dict[str, Any]
) -> None:
    at_end = {"as_of": "2026-11-20", "group_by": "none"}
    totals = ok(await api.get("/v1/reports/aging", params=at_end))["totals"]
    assert rows(review, "aging") == [
        {
            "currency": t["currency"],
            **{f"bucket_{k}": v for k, v in t["buckets"].items()},
            "total": t["total"],
        }
        for t in totals
    ]
    by_customer = {"as_of": "2026-11-20", "group_by": "customer"}
    groups = ok(await api.get("/v1/reports/aging", params=by_customer))["groups"]
    overdue = {
        (
            g["customer_id"],
            g["currency"],
        ): f"{float(g['total']) - float(g['buckets']['current']):.2f}"
        for g in groups
    }
    top = rows(review, "top_overdue_customers")
    assert [(r["customer_name"], r["currency"], r["overdue"]) for r in top] == [
        ("北京软件股份有限公司", "CNY", "1500.00"),  # p2: 2000 due 11-15, 500 paid
        ("Umbrella", "USD", "100.00"),
    ]
    for r in top:
        assert overdue[(r["customer_id"], r["currency"])] == r["overdue"]
    assert top[0]["owner"] == "u-li"  # p2's contract


async def test_owners_and_tasks_are_the_performance_report(
    api: httpx.AsyncClient, review: dict[str, Any]
) -> None:
    lines = ok(await api.get("/v1/reports/performance", params=PERIOD))["data"]
    expected = [
        {
            "owner": line["owner"],
            "currency": money["currency"],
            "collected": money["collected"],
            "target_amount": money["target_amount"],
            "attainment": money["attainment"],
            "on_time_rate": money["on_time_rate"],
        }
        for line in lines
        for money in line["currencies"]
    ]
    key = lambda r: (r["owner"] or "", r["currency"])  # noqa: E731
    assert sorted(rows(review, "by_owner"), key=key) == sorted(expected, key=key)
    tasks = {r["assignee"]: (r["tasks_done"], r["tasks_overdue"]) for r in rows(review, "tasks")}
    for line in lines:
        counts = (line["tasks_done"], line["tasks_overdue"])
        if any(counts):
            assert tasks[line["owner"]] == counts


async def test_overdue_movement_by_hand(review: dict[str, Any]) -> None:
    # CNY: p2 (2000, due 11-15) fell overdue; 500 of it came on 11-18, after its due date.
    # USD: q1 (100, due 11-10) fell overdue, nothing came. Nothing was overdue on 10-31.
    assert rows(review, "overdue_movement") == [
        {
            "currency": "CNY",
            "overdue_at_start": "0.00",
            "new_overdue": "1500.00",
            "recovered": "500.00",
            "overdue_at_end": "1500.00",
        },
        {
            "currency": "USD",
            "overdue_at_start": "0.00",
            "new_overdue": "100.00",
            "recovered": "0.00",
            "overdue_at_end": "100.00",
        },
    ]


async def test_overdue_at_both_ends_is_the_ageing_report_s(
    api: httpx.AsyncClient, review: dict[str, Any]
) -> None:
    # Read from the two periods' KPIs: the ageing's total less its current bucket, as of
    # the day before the period and its last day. On 11-15 q1 (USD, due 11-10) is overdue.
    week = {"from": "2026-11-16", "to": "2026-11-22"}
    moved = rows(ok(await api.get("/v1/reports/progress-review", params=week)), "overdue_movement")

    async def overdue(day: str) -> dict[str, str]:
        aged = ok(await api.get("/v1/reports/aging", params={"as_of": day, "group_by": "none"}))
        return {
            t["currency"]: f"{Decimal(t['total']) - Decimal(t['buckets']['current']):.2f}"
            for t in aged["totals"]
        }

    assert {r["currency"]: r["overdue_at_start"] for r in moved} == await overdue("2026-11-15")
    assert {r["currency"]: r["overdue_at_end"] for r in moved} == await overdue("2026-11-22")
    assert {r["currency"]: r["overdue_at_start"] for r in moved}["USD"] == "100.00"


async def test_promises_by_hand(review: dict[str, Any]) -> None:
    # Made 11-01, 11-02, 11-05 and 11-20; due in the period: 500 by 11-18 and 800 by 11-12
    # (kept), 1000 by 11-19 (broken); the one due 11-25 is not.
    (cny,) = rows(review, "promises")
    assert (cny["made_count"], cny["made"]) == (4, "2400.00")
    assert (cny["due_count"], cny["due"]) == (3, "2300.00")
    assert (cny["kept_count"], cny["kept"]) == (2, "1300.00")
    assert (cny["broken_count"], cny["broken"]) == (1, "1000.00")


async def test_targets_next_period_and_curves(
    api: httpx.AsyncClient, review: dict[str, Any]
) -> None:
    targets = rows(review, "targets")
    assert [t["amount"] for t in targets] == ["6000.00", "3100.00"]  # December's is not in it
    for t in targets:
        progress = ok(await api.get(f"/v1/targets/{t['target_id']}"))
        for key in ("collected", "expected_to_date", "percent", "pace", "status"):
            assert t[key] == progress[key], key
    curves = rows(review, "target_curves")
    assert {c["target_id"] for c in curves} == {t["target_id"] for t in targets}
    for t in targets:  # each curve is the target's own, point for point
        own = ok(await api.get(f"/v1/targets/{t['target_id']}/progress"))["points"]
        mine = [c for c in curves if c["target_id"] == t["target_id"]]
        assert [(c["day"], c["collected"], c["expected"]) for c in mine] == [
            (p["date"], p["collected"], p["expected"]) for p in own
        ]
    forecast = ok(
        await api.get(
            "/v1/reports/forecast",
            params={"from": "2026-11-21", "to": "2026-12-10", "interval": "month"},
        )
    )
    sums: dict[str, float] = {}
    for line in forecast["periods"]:
        total = sum(float(line[s]) for s in ("installments", "invoices", "promises"))
        sums[line["currency"]] = sums.get(line["currency"], 0.0) + total
    assert {r["currency"]: float(r["total"]) for r in rows(review, "next_period")} == sums


async def test_targets_of_every_scope_match_their_own_progress(
    api: httpx.AsyncClient, clock: FixedClock, db: AsyncEngine
) -> None:
    await people_book(api, clock, db)
    customers = ok(await api.get("/v1/customers", params={"limit": 10}))["data"]
    p = next(c for c in customers if c["name"] == "北京软件股份有限公司")
    contracts = ok(await api.get("/v1/contracts", params={"customer_id": p["id"]}))["data"]
    november = {"period_start": "2026-11-01", "period_end": "2026-11-30"}
    await target(api, amount="2500.00", scope="customer", scope_id=p["id"], **november)
    for c in contracts:
        await target(api, amount="900.00", scope="contract", scope_id=c["id"], **november)
    await target(api, amount="50.00", currency="USD", scope="owner", scope_id="u-li", **november)
    review = ok(await api.get("/v1/reports/progress-review", params=PERIOD))
    targets = rows(review, "targets")
    assert {t["scope"] for t in targets} == {"org", "customer", "contract", "owner"}
    assert len(targets) == 4 + len(contracts)
    for t in targets:
        own = ok(await api.get(f"/v1/targets/{t['target_id']}"))
        for key in ("collected", "expected_to_date", "percent", "pace", "status"):
            assert t[key] == own[key], (t["scope"], key)


async def test_the_default_period_is_last_full_week(api: httpx.AsyncClient) -> None:
    # Today is Friday 2026-11-27 in Shanghai: last week is Monday 11-16 to Sunday 11-22.
    review = ok(await api.get("/v1/reports/progress-review"))
    assert (review["from"], review["to"]) == ("2026-11-16", "2026-11-22")


async def test_a_next_action_is_the_open_task_due_first(
    api: httpx.AsyncClient, clock: FixedClock, db: AsyncEngine
) -> None:
    await people_book(api, clock, db)
    customers = ok(await api.get("/v1/customers", params={"limit": 10}))["data"]
    p = next(c for c in customers if c["name"] == "北京软件股份有限公司")
    await task(api, title="电话催收", assignee="u-li", due_date="2026-11-30", customer_id=p["id"])
    await task(api, title="上门拜访", assignee="u-wang", due_date="2026-11-28", customer_id=p["id"])
    review = ok(await api.get("/v1/reports/progress-review", params=PERIOD))
    first = rows(review, "top_overdue_customers")[0]
    assert (first["next_task"], first["next_task_due"], first["next_task_assignee"]) == (
        "上门拜访",
        "2026-11-28",
        "u-wang",
    )
    assert (first["promised_date"], first["promised_amount"]) == ("2026-11-25", "100.00")


async def test_bad_periods_and_unknown_units_are_422(api: httpx.AsyncClient) -> None:
    late = await api.get(
        "/v1/reports/progress-review", params={"from": "2026-11-20", "to": "2026-11-01"}
    )
    assert late.status_code == 422
    unit = await api.get(
        "/v1/reports/progress-review",
        params={"org_unit_id": "0190a1b2-0000-7000-8000-000000000001"},
    )
    assert unit.status_code == 422
    assert unit.headers["content-type"].startswith("application/problem+json")


async def test_only_the_ten_largest_overdue_customers_per_currency(api: httpx.AsyncClient) -> None:
    for n in range(12):
        buyer = await customer(api, name=f"客户{n:02d}")
        await invoice(api, buyer["id"], amount=f"{100 + n}.00", due_date="2026-11-10")
    buyer = await customer(api, name="Current Ltd")
    await invoice(api, buyer["id"], amount="9999.00", due_date="2026-12-31")  # not yet due
    review = ok(await api.get("/v1/reports/progress-review", params=PERIOD))
    top = rows(review, "top_overdue_customers")
    assert [r["customer_name"] for r in top] == [f"客户{n:02d}" for n in range(11, 1, -1)]
    assert [r["overdue"] for r in top][:2] == ["111.00", "110.00"]


async def test_unbilled_work_and_expiring_limitation_periods_are_listed(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api, name="华东建设")
    # Accepted work never invoiced: due 2026-10-15, still unbilled on 2026-11-27 (7 days on).
    k = await contract(api, c["id"], signed_on="2023-01-10", installments=[
        {"name": "全款", "due_date": "2024-01-31", "percent": "40"},
        {"name": "验收款", "due_date": "2026-10-15", "percent": "60"}])  # fmt: skip
    # The first installment's invoice fell due 2024-01-31: its period ends 2027-01-31.
    await invoice(
        api, c["id"], contract_id=k["id"], external_id="OLD-1", issued_on="2024-01-01",
        due_date="2024-01-31", amount="400000.00", installment_id=k["installments"][0]["id"],
    )  # fmt: skip
    review = ok(await api.get("/v1/reports/progress-review", params=PERIOD))
    (unbilled,) = rows(review, "unbilled")
    assert (unbilled["installment"], unbilled["unbilled"]) == ("验收款", "600000.00")
    assert unbilled["due_date"] == "2026-10-15"
    (expiring,) = rows(review, "limitation_expiring")
    assert (expiring["ref"], expiring["expires_on"]) == ("OLD-1", "2027-01-31")
    assert (expiring["customer"], expiring["outstanding"]) == ("华东建设", "400000.00")
    assert expiring["days_left"] == 72  # from the period's end, 2026-11-20

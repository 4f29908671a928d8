"""GET /v1/reports/kpis on a hand-built book (tests/e2e/report_books.py, ``kpi_book``)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.receivables import ok
from tests.e2e.report_books import kpi_book
from tests.fakes import FixedClock


async def kpis(api: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    return ok(await api.get("/v1/reports/kpis", params=params))


async def test_kpis_over_a_period(api: httpx.AsyncClient, clock: FixedClock) -> None:
    await kpi_book(api, clock)
    report = await kpis(api, **{"from": "2026-11-01", "to": "2026-11-20"})
    assert (report["from"], report["to"], report["period_days"]) == (
        "2026-11-01",
        "2026-11-20",
        20,
    )
    cny, usd = report["data"]
    # Opening (10-31): e1 1000 + e5 800 (written off later); e8 was paid 10-25.
    # Billed: e2 + e3 + e4 (e6 voided, e7 issued later). Collected: 600 + 2000 + 500.
    # Closing (11-20): e1 400 + e3 1000 overdue, e4 500 current (e5 written off 11-15).
    # Falling due: e2, e3, e8; on time: e2's 2000 and e8's 1000 (paid before the period).
    assert cny == {
        "currency": "CNY",
        "billed": "4000.00",
        "collected": "3100.00",
        "opening_receivables": "1800.00",
        "closing_receivables": "1900.00",
        "current_receivables": "500.00",
        "overdue": "1400.00",
        "disputed": "1000.00",
        "on_hold": "500.00",
        "falling_due": "4500.00",
        "collected_on_time": "3000.00",
        "unbilled": "0.00",
        "dso": "9.5",  # 1900 / 4000 × 20
        "best_possible_dso": "2.5",  # 500 / 4000 × 20
        "average_days_delinquent": "7.0",
        "cei": "73.58",  # (1800 + 4000 - 1900) / (1800 + 4000 - 500) × 100
        "on_time_rate": "66.67",  # 3000 / 4500 × 100
    }
    assert usd == {
        "currency": "USD",
        "billed": "100.00",
        "collected": "0.00",
        "opening_receivables": "0.00",
        "closing_receivables": "100.00",
        "current_receivables": "0.00",
        "overdue": "100.00",
        "disputed": "0.00",
        "on_hold": "0.00",
        "falling_due": "100.00",
        "collected_on_time": "0.00",
        "unbilled": "0.00",
        "dso": "20.0",
        "best_possible_dso": "0.0",
        "average_days_delinquent": "20.0",
        "cei": "0.00",
        "on_time_rate": "0.00",
    }


async def test_ratios_of_nothing_are_null(api: httpx.AsyncClient, clock: FixedClock) -> None:
    await kpi_book(api, clock)
    # 11-21 alone: nothing billed, nothing falling due, nothing collected.
    (cny,) = (await kpis(api, **{"from": "2026-11-21", "to": "2026-11-21", "currency": "CNY"}))[
        "data"
    ]
    assert (cny["opening_receivables"], cny["closing_receivables"], cny["billed"]) == (
        "1900.00",
        "1900.00",
        "0.00",
    )
    assert (cny["dso"], cny["best_possible_dso"], cny["average_days_delinquent"]) == (
        None,
        None,
        None,
    )
    assert (cny["cei"], cny["on_time_rate"]) == ("0.00", None)


async def test_an_empty_period_has_no_rows(api: httpx.AsyncClient, clock: FixedClock) -> None:
    await kpi_book(api, clock)
    report = await kpis(api, **{"from": "2020-01-01", "to": "2020-01-31"})
    assert report["data"] == []


async def test_kpis_default_to_the_30_days_ending_today(api: httpx.AsyncClient) -> None:
    report = await kpis(api)
    assert (report["from"], report["to"], report["period_days"]) == (
        "2026-10-29",
        "2026-11-27",
        30,
    )


async def test_bad_kpi_parameters_are_422(api: httpx.AsyncClient) -> None:
    for params in (
        {"from": "2026-11-20", "to": "2026-11-01"},
        {"currency": "ABC"},
        {"from": "2000-01-01", "to": "2026-01-01"},
        {"to": "yesterday"},
    ):
        answer = await api.get("/v1/reports/kpis", params=params)
        assert answer.status_code == 422, params
        assert answer.headers["content-type"] == "application/problem+json"
    reversed_period = await api.get(
        "/v1/reports/kpis", params={"from": "2026-11-20", "to": "2026-11-01"}
    )
    assert reversed_period.json()["errors"] == [
        {"loc": ["query", "from"], "msg": "from 2026-11-20 is after to 2026-11-01"}
    ]


async def test_grouped_totals_are_the_ungrouped_ones(
    api: httpx.AsyncClient, clock: FixedClock
) -> None:
    """Grouped, the statement reads every allocation's invoice in one pass (bounced and
    written-off money included): the totals stay those of the ungrouped statement."""
    await kpi_book(api, clock)
    for period in ({"from": "2026-11-01", "to": "2026-11-20"}, {"to": "2026-11-27"}):
        whole = await kpis(api, **period)
        for group_by in ("customer", "owner", "org_unit", "project"):
            grouped = await kpis(api, group_by=group_by, **period)
            assert grouped["data"] == whole["data"], (period, group_by)

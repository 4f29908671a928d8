"""GET /v1/reports/forecast on a hand-built book (``forecast_book``)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.receivables import ok
from tests.e2e.report_books import forecast_book


async def forecast(api: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    return ok(await api.get("/v1/reports/forecast", params=params))


def line(
    installments: str, invoices: str, promises: str, total: str, planned: str = "0.00"
) -> dict[str, str]:
    return {
        "installments": installments,
        "invoices": invoices,
        "promises": promises,
        "planned": planned,
        "total": total,
    }


def periods(report: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, str]]:
    return {
        (p["currency"], p["period_start"], p["period_end"]): {
            k: p[k] for k in ("installments", "invoices", "promises", "planned", "total")
        }
        for p in report["periods"]
    }


async def test_monthly_forecast_counts_each_amount_once(api: httpx.AsyncClient) -> None:
    await forecast_book(api)
    report = await forecast(api, **{"from": "2026-11-27", "to": "2027-01-31", "interval": "month"})
    assert (report["interval"], report["today"]) == ("month", "2026-11-27")
    # CNY open invoices 2800 = invoices 200 + 1000 + 300 (not promised) + promises 1300.
    assert periods(report) == {
        ("CNY", "2026-11-27", "2026-11-30"): line("0.00", "0.00", "0.00", "0.00"),
        ("CNY", "2026-12-01", "2026-12-31"): line("2000.00", "1200.00", "1300.00", "4500.00"),
        ("CNY", "2027-01-01", "2027-01-31"): line("0.00", "300.00", "0.00", "300.00"),
        ("USD", "2026-11-27", "2026-11-30"): line("0.00", "100.00", "0.00", "100.00"),
        ("USD", "2026-12-01", "2026-12-31"): line("0.00", "0.00", "0.00", "0.00"),
        ("USD", "2027-01-01", "2027-01-31"): line("0.00", "0.00", "0.00", "0.00"),
    }
    # Installment A (due 11-01, not invoiced) is late; g2 is late but promised for 12-20.
    assert report["overdue"] == [
        {"currency": "CNY", **line("2000.00", "0.00", "0.00", "2000.00")},
        {"currency": "USD", **line("0.00", "0.00", "0.00", "0.00")},
    ]


async def test_weekly_forecast_cuts_the_first_week(api: httpx.AsyncClient) -> None:
    await forecast_book(api)
    report = await forecast(api, **{"from": "2026-11-27", "to": "2026-12-13", "currency": "CNY"})
    assert report["interval"] == "week"
    assert periods(report) == {
        ("CNY", "2026-11-27", "2026-11-29"): line("0.00", "0.00", "0.00", "0.00"),
        ("CNY", "2026-11-30", "2026-12-06"): line("0.00", "200.00", "0.00", "200.00"),
        ("CNY", "2026-12-07", "2026-12-13"): line("0.00", "0.00", "600.00", "600.00"),
    }


async def test_a_forecast_of_nothing(api: httpx.AsyncClient) -> None:
    report = await forecast(api)
    assert (report["from"], report["to"]) == ("2026-11-27", "2027-02-24")
    assert (report["periods"], report["overdue"]) == ([], [])


async def test_bad_forecast_parameters_are_422(api: httpx.AsyncClient) -> None:
    for params in (
        {"interval": "day"},
        {"interval": "year"},
        {"from": "2027-01-01", "to": "2026-12-01"},
        {"currency": "ZZZ"},
    ):
        answer = await api.get("/v1/reports/forecast", params=params)
        assert answer.status_code == 422, params

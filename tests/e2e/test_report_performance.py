"""GET /v1/reports/performance on a hand-built book (tests/e2e/report_people.py)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.receivables import ok
from tests.e2e.report_people import people_book
from tests.fakes import FixedClock

PERIOD = {"from": "2026-11-01", "to": "2026-11-20"}


def money(
    currency: str, collected: str, target: str, attainment: str | None, due: str, on_time: str,
    rate: str | None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "currency": currency,
        "collected": collected,
        "target_amount": target,
        "attainment": attainment,
        "falling_due": due,
        "collected_on_time": on_time,
        "on_time_rate": rate,
    }


async def test_performance_per_owner(
    api: httpx.AsyncClient, clock: FixedClock, db: AsyncEngine
) -> None:
    await people_book(api, clock, db)
    report = ok(await api.get("/v1/reports/performance", params=PERIOD))
    assert (report["from"], report["to"], report["today"]) == (
        "2026-11-01",
        "2026-11-20",
        "2026-11-27",
    )
    rows = {r["owner"]: r for r in report["data"]}
    assert list(rows) == ["u-li", "u-wang", None]  # by name, nobody last; u-zhang did nothing
    assert rows["u-li"] == {
        "owner": "u-li",
        "currencies": [
            # 1000 + 500 collected of 4000.00; of p1 + p2 falling due only p1 came in time.
            money("CNY", "1500.00", "4000.00", "37.50", "3000.00", "1000.00", "33.33"),
            money("USD", "0.00", "0.00", None, "100.00", "0.00", "0.00"),
        ],
        "tasks_done": 2,
        "tasks_overdue": 2,
        "promises_due": 2,
        "promises_kept": 1,
        "promises_kept_rate": "50.00",
    }
    assert rows["u-wang"] == {
        "owner": "u-wang",
        "currencies": [money("CNY", "800.00", "673.91", "118.71", "0.00", "0.00", None)],
        "tasks_done": 1,
        "tasks_overdue": 0,
        "promises_due": 1,
        "promises_kept": 1,
        "promises_kept_rate": "100.00",
    }
    assert rows[None] == {
        "owner": None,
        "currencies": [money("CNY", "300.00", "0.00", None, "300.00", "300.00", "100.00")],
        "tasks_done": 0,
        "tasks_overdue": 0,
        "promises_due": 0,
        "promises_kept": 0,
        "promises_kept_rate": None,
    }


async def test_performance_in_one_currency(
    api: httpx.AsyncClient, clock: FixedClock, db: AsyncEngine
) -> None:
    await people_book(api, clock, db)
    report = ok(await api.get("/v1/reports/performance", params={**PERIOD, "currency": "USD"}))
    li = next(r for r in report["data"] if r["owner"] == "u-li")
    assert [c["currency"] for c in li["currencies"]] == ["USD"]
    assert li["tasks_done"] == 2  # tasks have no currency


async def test_an_empty_period_and_bad_parameters(api: httpx.AsyncClient) -> None:
    empty = ok(await api.get("/v1/reports/performance", params=PERIOD))
    assert empty["data"] == []
    for params in ({"from": "2026-11-20", "to": "2026-11-19"}, {"currency": "CNYY"}):
        answer = await api.get("/v1/reports/performance", params=params)
        assert answer.status_code == 422, params

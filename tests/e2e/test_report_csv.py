"""Every report answers ``Accept: text/csv`` with a CSV table: UTF-8 with a BOM, a header
row, one line per row; JSON stays the default."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from tests.e2e.collection import target
from tests.e2e.receivables import customer, invoice
from tests.e2e.report_books import aging_book, forecast_book, kpi_book
from tests.fakes import FixedClock

CSV = {"Accept": "text/csv"}


def table(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="')
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel looks for
    text = response.content.decode("utf-8-sig")
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text)))


async def test_aging_as_csv(api: httpx.AsyncClient, clock: FixedClock) -> None:
    await aging_book(api, clock)
    header, *rows = table(await api.get("/v1/reports/aging", headers=CSV))
    assert header == [
        "line", "currency", "customer_id", "customer_name",
        "current", "1_30", "31_60", "61_90", "91_plus", "total", "unbilled",
    ]  # fmt: skip
    # Three customers, then one total per currency: one line each.
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("group", "CNY", "上海回款科技有限公司"),
        ("group", "JPY", "東京商事"),
        ("group", "USD", "Acme Ltd"),
        ("total", "CNY", ""),
        ("total", "JPY", ""),
        ("total", "USD", ""),
    ]
    assert rows[0][4:10] == ["900.00", "1000.00", "0.00", "400.00", "1200.00", "3500.00"]
    owner = table(await api.get("/v1/reports/aging?group_by=owner", headers=CSV))
    assert owner[0][:3] == ["line", "currency", "owner"]
    none = table(await api.get("/v1/reports/aging?group_by=none", headers=CSV))
    assert none[0][:3] == ["line", "currency", "current"]
    assert [r[0] for r in none[1:]] == ["total", "total", "total"]


async def test_kpis_forecast_and_performance_as_csv(
    api: httpx.AsyncClient, clock: FixedClock
) -> None:
    await kpi_book(api, clock)
    period = {"from": "2026-11-01", "to": "2026-11-20"}
    header, cny, usd = table(await api.get("/v1/reports/kpis", params=period, headers=CSV))
    assert header[:4] == ["currency", "from", "to", "period_days"]
    assert header[-5:] == [
        "dso",
        "best_possible_dso",
        "average_days_delinquent",
        "cei",
        "on_time_rate",
    ]
    assert cny[:5] == ["CNY", "2026-11-01", "2026-11-20", "20", "4000.00"]
    assert cny[-5:] == ["9.5", "2.5", "7.0", "73.58", "66.67"]
    assert usd[0] == "USD"
    empty = table(await api.get("/v1/reports/kpis?from=2020-01-01&to=2020-01-02", headers=CSV))
    assert len(empty) == 1  # the header alone
    performance = table(await api.get("/v1/reports/performance", params=period, headers=CSV))
    assert performance[0][:3] == ["owner", "currency", "collected"]


async def test_forecast_as_csv(api: httpx.AsyncClient) -> None:
    await forecast_book(api)
    params = {"from": "2026-11-27", "to": "2027-01-31", "interval": "month"}
    header, *rows = table(await api.get("/v1/reports/forecast", params=params, headers=CSV))
    assert header == [
        "line", "currency", "period_start", "period_end",
        "installments", "invoices", "promises", "planned", "total",
    ]  # fmt: skip
    assert len(rows) == 3 * 2 + 2  # three months for two currencies, one overdue line each
    assert rows[1] == [
        "period",
        "CNY",
        "2026-12-01",
        "2026-12-31",
        "2000.00",
        "1200.00",
        "1300.00",
        "0.00",
        "4500.00",
    ]
    assert rows[-2] == ["overdue", "CNY", "", "", "2000.00", "0.00", "0.00", "0.00", "2000.00"]


async def test_target_progress_as_csv(api: httpx.AsyncClient) -> None:
    made = await target(api, amount="700.00", period_start="2026-11-26", period_end="2026-11-28")
    rows = table(await api.get(f"/v1/targets/{made['id']}/progress", headers=CSV))
    assert rows == [
        ["date", "currency", "collected", "expected"],
        ["2026-11-26", "CNY", "0.00", "233.33"],
        ["2026-11-27", "CNY", "0.00", "466.66"],
        ["2026-11-28", "CNY", "", "700.00"],
    ]


async def test_a_name_a_spreadsheet_would_run_is_defused(api: httpx.AsyncClient) -> None:
    evil = await customer(api, name='=HYPERLINK("http://evil","点我")')
    await invoice(api, evil["id"], amount="10.00")
    rows = table(await api.get("/v1/reports/aging", headers=CSV))
    assert rows[1][3] == '\'=HYPERLINK("http://evil","点我")'
    json_name = (await api.get("/v1/reports/aging")).json()["groups"][0]["customer_name"]
    assert json_name.startswith("=")  # JSON is data, not a spreadsheet: left as it is


async def test_names_a_locale_would_split_or_run_are_quoted(api: httpx.AsyncClient) -> None:
    for name, amount in (("甲;乙 公司", "10.00"), ("＝1+1", "20.00"), ("@SUM(A1)", "30.00")):
        await invoice(api, (await customer(api, name=name))["id"], amount=amount)
    response = await api.get("/v1/reports/aging", headers=CSV)
    raw = response.content.decode("utf-8-sig")
    for written in ('"甲;乙 公司"', '"\'＝1+1"', '"\'@SUM(A1)"'):
        assert f",{written}," in raw
    names = {row[3] for row in table(response)[1:4]}
    assert names == {"甲;乙 公司", "'＝1+1", "'@SUM(A1)"}
    assert ",30.00,0.00,0.00,0.00,30.00,0.00\r\n" in raw  # amounts stay plain numbers


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("text/csv", "text/csv"),
        ("text/*", "text/csv"),
        ("text/csv, */*;q=0.1", "text/csv"),
        ("application/json, text/csv", "application/json"),
        ("application/json;q=0.5, text/csv", "text/csv"),
        ("text/csv;q=0.2, application/json;q=0.9", "application/json"),
        ("text/html, application/xhtml+xml, */*;q=0.8", "application/json"),
    ],
)
async def test_accept_chooses_csv_or_json(
    api: httpx.AsyncClient, accept: str | None, media: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    answer = await api.get("/v1/reports/kpis", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == media


async def test_a_report_no_one_can_accept_is_406(api: httpx.AsyncClient) -> None:
    answer = await api.get("/v1/reports/aging", headers={"Accept": "application/xml"})
    assert answer.status_code == 406
    assert answer.headers["content-type"] == "application/problem+json"
    refused = await api.get("/v1/reports/aging", headers={"Accept": "text/csv;q=0"})
    assert refused.status_code == 406

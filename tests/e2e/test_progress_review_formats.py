"""The progress review as CSV, XLSX and HTML, in English and Chinese; problem titles in
Chinese on request; CORS for front ends on other origins."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.app import create_app
from app.api.reporting.review_formats import Format
from app.domain.i18n import en, zh_cn
from app.services.platform import Platform
from tests.e2e.receivables import ok
from tests.e2e.report_people import people_book
from tests.fakes import FixedClock

URL = "/v1/reports/progress-review"
PERIOD = {"from": "2026-11-01", "to": "2026-11-20"}


@pytest.fixture
async def book(api: httpx.AsyncClient, clock: FixedClock, db: AsyncEngine) -> httpx.AsyncClient:
    await people_book(api, clock, db)
    return api


async def get(api: httpx.AsyncClient, accept: str, **params: Any) -> httpx.Response:
    response = await api.get(URL, params={**PERIOD, **params}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    return response


async def test_csv_has_each_section_under_a_title_row(book: httpx.AsyncClient) -> None:
    response = await get(book, "text/csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        'filename="progress-review-2026-11-01-2026-11-20.csv"'
        in (response.headers["content-disposition"])
    )
    assert response.content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == [en.MESSAGES["review.title"]]
    aging = lines.index([en.MESSAGES["section.aging"]])
    assert lines[aging + 1][:2] == ["Currency", "Not yet due"]
    assert lines[aging + 2][0] == "CNY"
    unbilled = lines.index([en.MESSAGES["section.unbilled"]])
    assert lines[unbilled + 1][:3] == ["Customer id", "Contract", "Installment"]
    movement = lines.index([en.MESSAGES["section.overdue_movement"]])
    assert lines[movement + 2] == ["CNY", "0.00", "1500.00", "500.00", "1500.00"]


async def test_csv_and_xlsx_headers_in_chinese_on_request(book: httpx.AsyncClient) -> None:
    by_query = await get(book, "text/csv", lang="zh")
    by_header = await book.get(
        URL, params=PERIOD, headers={"Accept": "text/csv", "Accept-Language": "zh-CN,en;q=0.5"}
    )
    assert by_query.content == by_header.content
    text = by_query.content.decode("utf-8-sig")
    assert zh_cn.MESSAGES["section.aging"] in text
    assert "逾期1-30天" in text
    assert "currency" not in text.splitlines()[5].lower()  # headers are Chinese


async def test_xlsx_a_sheet_per_section_numbers_as_numbers(book: httpx.AsyncClient) -> None:
    response = await get(book, Format.XLSX.value)
    assert response.headers["content-type"] == Format.XLSX.value
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert len(workbook.sheet_names) == 15
    assert workbook.sheet_names[0].startswith("01 Targets")
    movement = next(n for n in workbook.sheet_names if "overdue" in n.lower())
    rows = workbook.get_sheet_by_name(movement).to_python()
    assert rows[0][0] == en.MESSAGES["section.overdue_movement"]
    assert rows[3][:2] == ["Currency", "Overdue at the start"]
    assert rows[4] == ["CNY", 0.0, 1500.0, 500.0, 1500.0]
    promises = workbook.get_sheet_by_name(next(n for n in workbook.sheet_names if "Promises" in n))
    header, first = promises.to_python()[3:5]
    assert first[header.index("Made")] == 4  # counts are numbers
    unbilled = next(n for n in workbook.sheet_names if "Unbilled" in n)
    assert workbook.get_sheet_by_name(unbilled).to_python()[3][1] == "Contract"
    chinese = await get(book, Format.XLSX.value, lang="zh")
    names = CalamineWorkbook.from_filelike(io.BytesIO(chinese.content)).sheet_names
    assert any(zh_cn.MESSAGES["section.aging"] in n for n in names)


async def test_html_is_printable_with_inline_charts_and_no_script(
    book: httpx.AsyncClient,
) -> None:
    html = (await get(book, "text/html")).text  # HTML follows HUIKUAN_LOCALE: zh-CN
    assert '<html lang="zh-CN">' in html
    assert zh_cn.MESSAGES["review.title"] in html
    assert "@page { size: A4" in html
    assert html.count("<svg") >= 3  # curves, ageing bars, attainment by owner
    assert "<script" not in html.lower()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    english = (await get(book, "text/html", lang="en")).text
    assert en.MESSAGES["section.top_overdue_customers"] in english
    assert en.MESSAGES["section.limitation_expiring"] in english


async def test_json_never_changes_with_the_language(book: httpx.AsyncClient) -> None:
    plain = ok(await book.get(URL, params=PERIOD))
    chinese = ok(await book.get(URL, params={**PERIOD, "lang": "zh"}))
    assert plain == chinese


async def test_an_accept_it_cannot_meet_is_406(api: httpx.AsyncClient) -> None:
    response = await api.get(URL, headers={"Accept": "image/png"})
    assert response.status_code == 406


async def test_problem_titles_in_chinese_on_request(api: httpx.AsyncClient) -> None:
    english = await api.get("/v1/invoices/not-an-id")
    chinese = await api.get("/v1/invoices/not-an-id", headers={"Accept-Language": "zh-CN"})
    assert english.json()["title"] == "Not found"
    assert chinese.status_code == 404
    body = chinese.json()
    assert body["title"] == "未找到"
    assert body["type"] == english.json()["type"]
    assert body["detail"] == english.json()["detail"]
    by_query = await api.post("/v1/customers?lang=zh", json={"name": ""})
    assert by_query.status_code == 422
    assert by_query.json()["title"] == "输入无效"


@pytest.fixture
async def cors_client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(platform, cors_origins=["https://fe.example.com"])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_cors_allows_only_the_configured_origins(
    cors_client: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    preflight = await cors_client.options(
        URL,
        headers={
            "Origin": "https://fe.example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://fe.example.com"
    other = await cors_client.options(
        URL, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in other.headers
    plain = await client.get("/healthz", headers={"Origin": "https://fe.example.com"})
    assert "access-control-allow-origin" not in plain.headers  # default: no origin

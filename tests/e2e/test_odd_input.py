"""Odd input that used to reach a 500: dates beyond any business use, JSON in UTF-16 or
UTF-32, a non-ASCII If-Match, and text holding control characters or bidi overrides."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import Message

from app.api.app import create_app
from app.services.platform import Platform
from tests.e2e.collection import interaction, task
from tests.e2e.ingest_http import URL, post_events
from tests.e2e.receivables import count_rows, customer, invoice, ok
from tests.e2e.test_bad_input import assert_problem
from tests.ingest_events import contract as contract_data
from tests.ingest_events import customer as customer_data
from tests.ingest_events import event, payment
from tests.ingest_events import invoice as invoice_data

JSON = {"Content-Type": "application/json"}
FAR_DATES = ("9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01")


@pytest.mark.parametrize("day", FAR_DATES)
async def test_report_dates_outside_1900_to_2199_are_422(api: httpx.AsyncClient, day: str) -> None:
    asked = [("/v1/reports/aging", {"as_of": day})]
    for report in ("kpis", "performance", "forecast"):
        asked += [
            (f"/v1/reports/{report}", {"from": day}),
            (f"/v1/reports/{report}", {"to": day}),
            (f"/v1/reports/{report}", {"from": day, "to": day}),
        ]
    for path, params in asked:
        for headers in ({}, {"Accept": "text/csv"}):
            response = await api.get(path, params=params, headers=headers)
            problem = assert_problem(response, 422)
            assert "1900-01-01" in str(problem["errors"]), (path, params)


async def test_report_dates_at_the_edges_of_the_range_are_answered(api: httpx.AsyncClient) -> None:
    assert (await api.get("/v1/reports/aging", params={"as_of": "1900-01-01"})).status_code == 200
    for report in ("kpis", "performance", "forecast"):
        edges = {"from": "2199-12-01", "to": "2199-12-31"}
        assert (await api.get(f"/v1/reports/{report}", params=edges)).status_code == 200, report
        early = {"from": "1900-01-01", "to": "1900-01-31"}
        assert (await api.get(f"/v1/reports/{report}", params=early)).status_code == 200, report


FAR_MOMENTS = ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "1899-12-31T23:00:00Z")


@pytest.mark.parametrize("moment", FAR_MOMENTS)
async def test_timestamps_outside_1900_to_2199_are_422(api: httpx.AsyncClient, moment: str) -> None:
    made = await customer(api)
    body = {"customer_id": made["id"], "channel": "phone", "summary": "x", "occurred_at": moment}
    assert_problem(await api.post("/v1/interactions", json=body), 422)


async def test_ingested_dates_outside_1900_to_2199_are_rejected(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    plan = [{"name": "a", "due_date": "9999-12-31", "percent": "100"}]
    events = [
        event("contract.upserted", contract_data(signed_on="0001-01-01", installments=plan)),
        event("invoice.issued", invoice_data(issued_on="0001-01-01", due_date="9999-12-31")),
        event("payment.received", payment(received_on="2200-01-01")),
        *(event("customer.upserted", customer_data(), occurred_at=m) for m in FAR_MOMENTS),
    ]
    results = ok(await post_events(api, {"events": events}))["results"]
    assert [r["status"] for r in results] == ["rejected"] * len(events)
    for result in results:
        assert result["problem"]["status"] == 422
        assert "between 1900-01-01 and 2199-12-31" in result["problem"]["detail"]
    assert await count_rows(db, "customers") == 0


WIDE_ENCODINGS = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")


def assert_not_utf8(response: httpx.Response) -> None:
    problem = assert_problem(response, 400)
    assert problem["type"] == "urn:huikuan:problem:malformed-json"
    assert problem["detail"].startswith("JSON must be UTF-8 (RFC 8259 §8.1)")


@pytest.mark.parametrize("encoding", WIDE_ENCODINGS)
async def test_json_in_utf16_or_utf32_is_400_everywhere(
    api: httpx.AsyncClient, db: AsyncEngine, encoding: str
) -> None:
    made = await customer(api)
    # A NUL escape hides from the NUL guard in these encodings; the body is refused first.
    body = json.dumps({"name": "A\x00", "currency": "CNY"})
    assert_not_utf8(await api.post("/v1/customers", content=body.encode(encoding), headers=JSON))
    patch = json.dumps({"name": "B"}).encode(encoding)
    assert_not_utf8(await api.patch(f"/v1/customers/{made['id']}", content=patch, headers=JSON))
    batch = json.dumps({"events": [event("customer.upserted", customer_data("C-\x00"))]})
    assert_not_utf8(await api.post(URL, content=batch.encode(encoding), headers=JSON))
    assert await count_rows(db, "customers") == 1
    assert await count_rows(db, "ingest_events") == 0


async def test_json_with_bytes_that_are_not_utf8_is_400(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    gbk = '{"name": "上海回款", "currency": "CNY"}'.encode("gbk")
    assert_not_utf8(await api.post("/v1/customers", content=gbk, headers=JSON))
    ingested = event("customer.upserted", customer_data(name="上海回款"))
    batch = json.dumps({"events": [ingested]}, ensure_ascii=False).encode("gb18030")
    assert_not_utf8(await api.post(URL, content=batch, headers=JSON))
    assert await count_rows(db, "customers") == 0


async def test_utf8_with_a_byte_order_mark_is_read(api: httpx.AsyncClient) -> None:
    """RFC 8259 §8.1 lets a reader ignore a UTF-8 byte order mark: Windows tools add one."""
    body = json.dumps({"name": "上海回款", "currency": "CNY"}, ensure_ascii=False)
    created = await api.post("/v1/customers", content=body.encode("utf-8-sig"), headers=JSON)
    assert ok(created, 201)["name"] == "上海回款"


@pytest.mark.parametrize(
    "if_match", [b'"\xb2"', b"\xb2", b'W/"\xb9"', b'"\xd9\xa3"', b'"' + b"9" * 40 + b'"']
)
async def test_an_if_match_that_is_no_etag_of_ours_is_412(
    api: httpx.AsyncClient, if_match: bytes
) -> None:
    made = await customer(api)
    response = await api.patch(
        f"/v1/customers/{made['id']}", json={"name": "B"}, headers={b"If-Match": if_match}
    )
    assert_problem(response, 412)
    assert ok(await api.get(f"/v1/customers/{made['id']}"))["name"] == made["name"]


REFUSED = [
    "A\x01B",  # C0
    "A\x1b[31mB",  # an ANSI escape
    "A\x7fB",  # DEL
    "A\x85B",  # C1 (NEL) inside the text: stripping takes it only at the ends
    "A\x9bB",  # C1 (CSI)
    "invoice\u202egpj.exe",  # right-to-left override
    "A\u202aB",
    "A\u2066B\u2069",  # isolates
    "A\nB",  # a name is one line
    "A\tB",
]


@pytest.mark.parametrize("text", REFUSED)
async def test_names_titles_and_external_ids_refuse_control_and_bidi_characters(
    api: httpx.AsyncClient, db: AsyncEngine, text: str
) -> None:
    made = await customer(api)
    base = {"name": "A", "currency": "CNY"}
    attempts: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/v1/customers", {**base, "name": text}),
        ("POST", "/v1/customers", {**base, "external_id": text}),
        ("POST", "/v1/customers", {**base, "contacts": [{"name": text}]}),
        ("PATCH", f"/v1/customers/{made['id']}", {"name": text}),
        ("POST", "/v1/tasks", {"title": text, "kind": "call"}),
        ("POST", "/v1/tasks", {"title": "T", "kind": "call", "assignee": text}),
        ("POST", "/v1/admin/api-keys", {"name": text, "scopes": ["read"]}),
    ]
    for method, path, body in attempts:
        response = await api.request(method, path, json=body)
        problem = assert_problem(response, 422)
        assert "must not hold the" in str(problem["errors"]), (path, body)
    assert await count_rows(db, "customers") == 1
    assert await count_rows(db, "tasks") == 0


async def test_multi_line_fields_keep_line_breaks_and_tabs_but_refuse_the_rest(
    api: httpx.AsyncClient,
) -> None:
    made = await customer(api)
    summary = "客户确认:\r\n\t1. 下周付款\n\t2. 发票已收"
    assert (await interaction(api, made["id"], summary=summary))["summary"] == summary
    described = await task(api, description="第一行\n第二行\twith a tab")
    assert described["description"] == "第一行\n第二行\twith a tab"
    bill = await invoice(api, made["id"])
    disputed = await api.post(f"/v1/invoices/{bill['id']}/dispute", json={"reason": "a\nb"})
    assert disputed.status_code == 200, disputed.text
    for bad in ("a\x1bb", "a\x0cb", "a\u202eb", "a\x85b"):
        response = await api.post(
            "/v1/interactions",
            json={
                "customer_id": made["id"],
                "channel": "phone",
                "occurred_at": "2026-11-27T07:30:00Z",
                "summary": bad,
            },
        )
        assert "line breaks and tabs are fine" in str(assert_problem(response, 422)["errors"])
        titled = {"title": "T", "kind": "call", "description": bad}
        assert_problem(await api.post("/v1/tasks", json=titled), 422)


@pytest.mark.parametrize("text", ["C\u202e1", "C\x1b1", "C\x851", "C\u20661"])
async def test_ingested_records_with_control_or_bidi_characters_are_rejected(
    api: httpx.AsyncClient, db: AsyncEngine, text: str
) -> None:
    events = [
        event("customer.upserted", customer_data(text)),
        event("customer.upserted", customer_data("C-2", name=text)),
        event("payment.received", payment(invoice_external_ids=[text])),
    ]
    response = ok(await post_events(api, {"events": events}))
    assert [r["status"] for r in response["results"]] == ["rejected"] * 3
    for result in response["results"]:
        assert result["problem"]["status"] == 422
        assert "printable" in json.dumps(result["problem"])
    assert await count_rows(db, "customers") == 0


async def test_a_content_length_that_is_no_number_is_not_a_500(platform: Platform) -> None:
    """HTTP servers refuse it before the app, but the body guard must not rely on that:
    "²".isdigit() is true and int("²") raises."""
    app = create_app(platform)
    body = json.dumps({"name": "A", "currency": "CNY"}).encode()
    started: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            started.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/customers",
        "raw_path": b"/v1/customers",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"\xb2")],
        "server": ("test", 80),
        "client": ("127.0.0.1", 1),
    }
    await app(scope, receive, send)
    assert [m["status"] for m in started] == [401]  # no key: the body was read as usual

"""Bad input gets a clear problem+json 4xx and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.customers.models import customers
from app.adapters.db.delivery.models import outbox_events

PROBLEM = "application/problem+json"


async def nothing_written(db: AsyncEngine) -> bool:
    async with db.connect() as conn:
        rows = (await conn.execute(select(func.count()).select_from(customers))).scalar()
        events = (await conn.execute(select(func.count()).select_from(outbox_events))).scalar()
    return rows == 0 and events == 0


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:huikuan:problem:")
    assert body["title"]
    assert body["detail"]
    assert "Traceback" not in response.text
    return body


@pytest.mark.parametrize(
    "raw",
    [b'{"name": "A", "currency": "CNY"', b"{'name': 'A'}", b"[1, 2", b'{"a": NaN}'],
)
async def test_malformed_json_is_400(api: httpx.AsyncClient, db: AsyncEngine, raw: bytes) -> None:
    response = await api.post(
        "/v1/customers", content=raw, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400)
    assert await nothing_written(db)


async def test_deeply_nested_json_is_refused(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    raw = b'{"name": "A", "currency": "CNY", "contacts": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = await api.post(
        "/v1/customers", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code in {400, 422}
    assert response.headers["content-type"] == PROBLEM
    assert await nothing_written(db)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "A", "currency": "CNY", "credit_limit": "-1"}, "credit_limit"),
        ({"name": "A", "currency": "CNY", "credit_limit": "1.001"}, "amount"),
        ({"name": "A", "currency": "JPY", "credit_limit": "1.5"}, "amount"),
        ({"name": "A", "currency": "CNY", "credit_limit": "1,000.00"}, "credit_limit"),
        ({"name": "A", "currency": "CNY", "credit_limit": "NaN"}, "credit_limit"),
        ({"name": "A", "currency": "XXY"}, "currency"),
        ({"name": "A", "currency": "CNY", "payment_terms_days": "soon"}, "payment_terms_days"),
        ({"name": "A", "currency": "CNY", "nickname": "x"}, "nickname"),
        ({"name": "", "currency": "CNY"}, "name"),
        ({"name": "A" * 201, "currency": "CNY"}, "name"),
        ({"currency": "CNY"}, "name"),
    ],
)
async def test_invalid_fields_are_422_with_their_location(
    api: httpx.AsyncClient, db: AsyncEngine, body: dict[str, Any], field: str
) -> None:
    problem = assert_problem(await api.post("/v1/customers", json=body), 422)
    assert any(field in [str(part) for part in e["loc"]] for e in problem.get("errors", [])), (
        problem
    )
    assert await nothing_written(db)


async def test_money_as_an_exact_json_number_keeps_every_digit(api: httpx.AsyncClient) -> None:
    raw = b'{"name": "A", "currency": "CNY", "credit_limit": 12345678901234.56}'
    response = await api.post(
        "/v1/customers", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["credit_limit"] == "12345678901234.56"


async def test_huge_numbers_are_refused(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    raw = b'{"name": "A", "currency": "CNY", "credit_limit": 1e309}'
    response = await api.post(
        "/v1/customers", content=raw, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 422)
    assert await nothing_written(db)


async def test_wrong_content_type_is_415(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    response = await api.post(
        "/v1/customers", content=b"name=A", headers={"Content-Type": "text/plain"}
    )
    assert_problem(response, 415)
    assert await nothing_written(db)


async def test_oversized_body_is_413(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    big = {"name": "A", "currency": "CNY", "contacts": [{"name": "x" * 150}] * 8000}
    assert_problem(await api.post("/v1/customers", json=big), 413)
    assert await nothing_written(db)


async def test_nul_characters_are_refused(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    assert_problem(await api.post("/v1/customers", json={"name": "A\x00", "currency": "CNY"}), 422)
    assert_problem(await api.get("/v1/customers", params={"q": "a\x00"}), 400)
    assert await nothing_written(db)


async def test_unknown_route_and_wrong_method(api: httpx.AsyncClient) -> None:
    assert_problem(await api.get("/v1/nothing-here"), 404)
    response = await api.delete("/v1/customers")
    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]


async def test_unknown_and_malformed_ids(api: httpx.AsyncClient) -> None:
    assert_problem(await api.get("/v1/customers/01900000-0000-7000-8000-000000000000"), 404)
    assert_problem(await api.get("/v1/customers/not-a-uuid"), 404)  # ids in paths are opaque
    assert_problem(await api.get("/v1/customers", params={"cursor": "garbage!"}), 422)
    assert_problem(await api.get("/v1/customers", params={"limit": 501}), 422)


async def test_sql_looking_and_emoji_text_is_just_text(api: httpx.AsyncClient) -> None:
    name = "Robert'); DROP TABLE customers;-- 😀 回款"
    created = await api.post("/v1/customers", json={"name": name, "currency": "CNY"})
    assert created.status_code == 201
    listed = await api.get("/v1/customers", params={"q": "DROP TABLE"})
    assert [c["name"] for c in listed.json()["data"]] == [name]


async def test_dates_outside_1900_to_2199_are_refused(api: httpx.AsyncClient) -> None:
    customer = (await api.post("/v1/customers", json={"name": "A", "currency": "CNY"})).json()
    contract = {
        "customer_id": customer["id"],
        "name": "X",
        "amount": "100",
        "currency": "CNY",
        "owner": "u1",
    }
    for signed_on in ("9999-12-31", "1899-12-31", "0000-00-00"):
        response = await api.post("/v1/contracts", json={**contract, "signed_on": signed_on})
        assert response.status_code == 422, signed_on
    assert (await api.get("/v1/invoices", params={"due_before": "9999-12-31"})).status_code == 422
    ok = await api.post("/v1/contracts", json={**contract, "signed_on": "2199-12-31"})
    assert ok.status_code == 201

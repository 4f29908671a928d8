"""GET /v1/worklist and POST /v1/worklist/{item}/accept on PostgreSQL, over the hand-built
book of ``tests/e2e/worklist_book.py`` whose order is known."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.services.platform import Platform
from tests.e2e.receivables import events, ok
from tests.e2e.worklist_book import ANA, BOB, EXPECTED, Book, build_book
from tests.fakes import FixedClock


@pytest.fixture
async def book(
    api: httpx.AsyncClient, platform: Platform, clock: FixedClock, db: AsyncEngine
) -> Book:
    return await build_book(api, platform, clock, db)


async def worklist(api: httpx.AsyncClient, assignee: str = ANA, **query: Any) -> dict[str, Any]:
    return ok(await api.get("/v1/worklist", params={"assignee": assignee, **query}))


async def test_the_book_comes_back_in_its_known_order(api: httpx.AsyncClient, book: Book) -> None:
    page = await worklist(api)
    assert (page["assignee"], page["as_of"], page["next_cursor"]) == (ANA, "2026-11-27", None)
    got = [(item["id"], item["score"], item["next_action"]) for item in page["data"]]
    assert got == [(book.item(name), score, action) for name, score, action in EXPECTED]
    for item in page["data"]:
        total = sum((Decimal(r["points"]) for r in item["reasons"]), Decimal(0))
        assert total == Decimal(item["score"]), item


async def test_each_item_explains_its_score(api: httpx.AsyncClient, book: Book) -> None:
    items = {item["id"]: item for item in (await worklist(api))["data"]}
    first = items[book.item("I1")]
    assert first["reasons"] == [
        {"factor": "amount_overdue", "value": "200000.00", "points": "20.00"},
        {"factor": "days_overdue", "value": 60, "points": "30.00"},
        {"factor": "dunning_level", "value": 4, "points": "40.00"},
    ]
    assert (first["reference"], first["customer_name"], first["currency"]) == (
        "INV-1",
        "甲建设",
        "CNY",
    )
    assert (first["amount_overdue"], first["due_date"], first["open_task_id"]) == (
        "200000.00",
        "2026-09-28",
        None,
    )
    promised = items[book.item("I2")]
    assert [(r["factor"], r["value"], r["points"]) for r in promised["reasons"]] == [
        ("amount_overdue", "5000.00", "0.50"),
        ("days_overdue", 10, "5.00"),
        ("dunning_level", 1, "10.00"),
        ("broken_promises", 1, "15.00"),
        ("risk_severity", "medium", "10.00"),
        ("promise_due_today", True, "20.00"),
    ]
    installment = items[book.item("S1")]
    assert (installment["reference"], installment["amount_overdue"]) == ("预付款", "50000.00")
    assert installment["days_overdue"] == 30
    customer = items[book.item("CB")]
    assert (customer["kind"], customer["amount_overdue"], customer["due_date"]) == (
        "customer",
        "0.00",
        None,
    )
    assert items[book.item("I7")]["open_task_id"] == book.ids["T7"]
    assert items[book.item("CF")]["open_task_id"] == book.ids["TF"]
    assert items[book.item("I11")]["contract_id"] is None


async def test_excluded_and_foreign_items_never_appear(api: httpx.AsyncClient, book: Book) -> None:
    ids = {item["id"] for item in (await worklist(api))["data"]}
    for name in ("I3", "I4", "I5", "I6", "I9", "I10"):
        assert book.item(name) not in ids, name
    bob = [item["id"] for item in (await worklist(api, BOB))["data"]]
    # u-bob owns contract CE: I10 (40,000, 57 days, dunning 3), I7 and I8.
    assert bob == [book.item("I10"), book.item("I7"), book.item("I8")]
    assert (await worklist(api, "u-nobody"))["data"] == []


async def test_pages_follow_the_ranking(api: httpx.AsyncClient, book: Book) -> None:
    seen: list[str] = []
    cursor = None
    sizes = []
    while True:
        page = await worklist(api, limit=3, **({"cursor": cursor} if cursor else {}))
        seen.extend(item["id"] for item in page["data"])
        sizes.append(len(page["data"]))
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sizes == [3, 3, 3]
    assert seen == [book.item(name) for name, _, _ in EXPECTED]


@pytest.mark.parametrize(
    "query",
    [{}, {"assignee": ""}, {"assignee": ANA, "limit": 501}, {"assignee": ANA, "cursor": "W10"}],
)
async def test_bad_queries_are_422(api: httpx.AsyncClient, query: dict[str, Any]) -> None:
    response = await api.get("/v1/worklist", params=query)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_accepting_an_item_opens_its_task(
    api: httpx.AsyncClient, book: Book, db: AsyncEngine
) -> None:
    url = f"/v1/worklist/{book.item('I1')}/accept"
    response = await api.post(url, params={"assignee": ANA})
    task = ok(response, 201)
    assert response.headers["location"] == f"/v1/tasks/{task['id']}"
    assert (task["kind"], task["due_date"], task["assignee"], task["priority"]) == (
        "legal",
        "2026-11-27",
        ANA,
        "high",
    )
    assert (task["invoice_id"], task["customer_id"]) == (book.ids["I1"], book.ids["CA"])
    assert task["title"] == "法务审查：发票 INV-1（甲建设）"  # HUIKUAN_LOCALE: zh-CN
    assert task["description"].startswith("Worklist score 90.00 = amount_overdue 200000.00")
    created = [
        e for e in await events(db, "task.created") if e["data"]["object"]["id"] == task["id"]
    ]
    assert len(created) == 1
    # The worklist shows the task on the item; the item keeps its place.
    first = (await worklist(api))["data"][0]
    assert (first["id"], first["open_task_id"]) == (book.item("I1"), task["id"])


async def test_accepting_each_kind_links_the_task_to_it(api: httpx.AsyncClient, book: Book) -> None:
    installment = ok(
        await api.post(f"/v1/worklist/{book.item('S1')}/accept", params={"assignee": ANA}), 201
    )
    assert (installment["kind"], installment["priority"]) == ("invoice", "normal")
    assert (installment["contract_id"], installment["invoice_id"]) == (book.ids["KC"], None)
    assert installment["title"] == "开具发票：分期款 预付款（丙物流）"
    customer = ok(
        await api.post(
            f"/v1/worklist/{book.item('CD')}/accept",
            params={"assignee": ANA},
            json={"assignee": "u-carol", "priority": "urgent", "due_date": "2026-11-30"},
        ),
        201,
    )
    assert (customer["kind"], customer["assignee"], customer["priority"]) == (
        "call",
        "u-carol",
        "urgent",
    )
    assert (customer["customer_id"], customer["due_date"]) == (book.ids["CD"], "2026-11-30")
    reminder = ok(
        await api.post(f"/v1/worklist/{book.item('I2')}/accept", params={"assignee": ANA}), 201
    )
    assert (reminder["kind"], reminder["priority"]) == ("call", "high")  # confirm the promise


async def test_accepting_what_is_not_on_the_list(api: httpx.AsyncClient, book: Book) -> None:
    for name in ("I3", "I4", "I5", "I10"):  # disputed, on hold, paid, someone else's
        response = await api.post(
            f"/v1/worklist/{book.item(name)}/accept", params={"assignee": ANA}
        )
        assert response.status_code == 409, (name, response.text)
        assert "not on u-ana's worklist" in response.json()["detail"]
    unknown = "invoice:0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee"
    for item in (unknown, "nonsense", "task:" + book.ids["I1"], book.item("I1").upper()):
        response = await api.post(f"/v1/worklist/{item}/accept", params={"assignee": ANA})
        assert response.status_code == 404, (item, response.text)
    missing = await api.post(f"/v1/worklist/{book.item('I1')}/accept")
    assert missing.status_code == 422
    unknown_field = await api.post(
        f"/v1/worklist/{book.item('I1')}/accept", params={"assignee": ANA}, json={"x": 1}
    )
    assert unknown_field.status_code == 422


async def test_an_idempotency_key_accepts_once(
    api: httpx.AsyncClient, book: Book, db: AsyncEngine
) -> None:
    url = f"/v1/worklist/{book.item('I7')}/accept"
    headers = {"Idempotency-Key": "accept-i7"}
    first = await api.post(url, params={"assignee": ANA}, headers=headers)
    second = await api.post(url, params={"assignee": ANA}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    tasks = ok(await api.get("/v1/tasks", params={"invoice_id": book.ids["I7"]}))["data"]
    assert len(tasks) == 2  # the one from the book and the accepted one

"""Paused collection on the worklist, with the test clock: an invoice on hold leaves the
list and comes back by itself the day after its hold ends; a disputed one comes back when
the dispute is resolved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.clock import TestClock
from app.api.app import create_app
from app.services.platform import Platform
from tests.conftest import ADMIN_SECRET
from tests.e2e.receivables import contract, customer, invoice, ok

SHANGHAI = ZoneInfo("Asia/Shanghai")
OWNER = "u-hold"


@pytest.fixture
async def clock_api(
    platform: Platform, db: AsyncEngine, admin_secret: str
) -> AsyncIterator[tuple[httpx.AsyncClient, TestClock]]:
    clock = TestClock(SHANGHAI, db)
    app = create_app(replace(platform, clock=clock, clock_control=clock))
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {ADMIN_SECRET}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        yield c, clock


async def move_to(api: httpx.AsyncClient, day: date) -> None:
    """Noon of ``day`` in Shanghai, so the date does not turn while the test runs."""
    moment = datetime.combine(day, time(12, 0), tzinfo=SHANGHAI)
    ok(await api.put("/v1/admin/clock", json={"now": moment.isoformat()}))


async def on_list(api: httpx.AsyncClient) -> dict[str, dict[str, object]]:
    page = ok(await api.get("/v1/worklist", params={"assignee": OWNER}))
    return {item["subject_id"]: item for item in page["data"]}


async def test_a_held_invoice_leaves_the_list_and_comes_back_when_the_hold_ends(
    clock_api: tuple[httpx.AsyncClient, TestClock],
) -> None:
    api, clock = clock_api
    start = clock.today()
    c = await customer(api)
    k = await contract(api, c["id"], owner=OWNER, installments=[])
    bill = await invoice(
        api,
        c["id"],
        contract_id=k["id"],
        amount="10000.00",
        issued_on=(start - timedelta(days=40)).isoformat(),
        due_date=(start - timedelta(days=10)).isoformat(),
    )
    assert bill["id"] in await on_list(api)

    until = start + timedelta(days=5)
    hold = {"reason": "等待客户验收", "until": until.isoformat()}
    ok(await api.post(f"/v1/invoices/{bill['id']}/hold", json=hold))
    assert await on_list(api) == {}
    accept = f"/v1/worklist/invoice:{bill['id']}/accept"
    refused = await api.post(accept, params={"assignee": OWNER})
    assert refused.status_code == 409, refused.text

    await move_to(api, until)  # the last day of the hold: still paused
    assert await on_list(api) == {}

    await move_to(api, until + timedelta(days=1))
    back = (await on_list(api))[bill["id"]]
    assert (back["days_overdue"], back["score"], back["next_action"]) == (
        16,
        "9.00",
        "send_reminder",
    )
    task = ok(await api.post(accept, params={"assignee": OWNER}), 201)
    assert (task["due_date"], task["kind"]) == ((until + timedelta(days=1)).isoformat(), "reminder")


async def test_a_disputed_invoice_comes_back_when_the_dispute_is_resolved(
    clock_api: tuple[httpx.AsyncClient, TestClock],
) -> None:
    api, clock = clock_api
    start = clock.today()
    c = await customer(api)
    k = await contract(api, c["id"], owner=OWNER, installments=[])
    bill = await invoice(
        api,
        c["id"],
        contract_id=k["id"],
        issued_on=(start - timedelta(days=40)).isoformat(),
        due_date=(start - timedelta(days=3)).isoformat(),
    )
    ok(await api.post(f"/v1/invoices/{bill['id']}/dispute", json={"reason": "金额有误"}))
    await move_to(api, start + timedelta(days=30))
    assert await on_list(api) == {}
    ok(await api.post(f"/v1/invoices/{bill['id']}/resolve-dispute", json={"note": "已更正"}))
    assert (await on_list(api))[bill["id"]]["days_overdue"] == 33

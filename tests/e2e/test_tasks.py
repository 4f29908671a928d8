"""Tasks over HTTP: the state machine, reassignment, filters, links and their events."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.collection import target, task
from tests.e2e.receivables import contract, count_rows, customer, events, invoice, ok

MISSING = "0190a4f2-0000-7000-8000-000000000000"


async def test_create_defaults_links_and_event(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    c = await customer(api)
    k = await contract(api, c["id"], installments=[])
    bill = await invoice(api, c["id"], contract_id=k["id"])
    created = await api.post(
        "/v1/tasks",
        json={
            "title": "寄催款函",
            "kind": "reminder",
            "invoice_id": bill["id"],
            "due_date": "2026-12-01",
        },
    )
    t = ok(created, 201)
    assert created.headers["location"] == f"/v1/tasks/{t['id']}"
    assert created.headers["etag"] == '"1"'
    assert t["status"] == "todo"
    assert t["priority"] == "normal"
    # linked to the invoice's customer and contract too, so filters by them find it
    assert (t["customer_id"], t["contract_id"]) == (c["id"], k["id"])
    assert t["overdue"] is False
    got = await events(db, "task.")
    assert [(e["type"], e["subject"]) for e in got] == [("task.created", f"tasks/{t['id']}")]
    assert got[0]["data"]["object"] == t


async def test_the_state_machine(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    t = await task(api, assignee="u-1")
    url = f"/v1/tasks/{t['id']}"
    skipped = await api.patch(url, json={"status": "done"})  # todo -> done skips a step
    assert skipped.status_code == 409
    assert skipped.json()["type"] == "urn:huikuan:problem:illegal-state-change"
    same = await api.patch(url, json={"status": "todo"})
    assert same.status_code == 409
    started = ok(await api.patch(url, json={"status": "in_progress"}))
    assert started["status"] == "in_progress"
    done = ok(await api.patch(url, json={"status": "done"}))
    assert done["completed_at"] is not None
    for status in ("todo", "in_progress", "cancelled", "done"):
        assert (await api.patch(url, json={"status": status})).status_code == 409
    assert (await api.patch(url, json={"title": "改标题"})).status_code == 409
    assert ok(await api.get(url))["version"] == 3
    types = [e["type"] for e in await events(db, "task.")]
    assert types == ["task.created", "task.updated", "task.completed"]


@pytest.mark.parametrize("start", ["todo", "in_progress"])
async def test_cancel_from_either_open_state(api: httpx.AsyncClient, start: str) -> None:
    t = await task(api)
    url = f"/v1/tasks/{t['id']}"
    if start == "in_progress":
        ok(await api.patch(url, json={"status": "in_progress"}))
    cancelled = ok(await api.patch(url, json={"status": "cancelled"}))
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancelled_at"] is not None
    assert (await api.patch(url, json={"status": "in_progress"})).status_code == 409


async def test_reassignment_emits_task_assigned(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    t = await task(api, assignee="u-1")
    url = f"/v1/tasks/{t['id']}"
    moved = ok(await api.patch(url, json={"assignee": "u-2"}, headers={"If-Match": '"1"'}))
    assert moved["assignee"] == "u-2"
    assert (
        await api.patch(url, json={"assignee": "u-3"}, headers={"If-Match": '"1"'})
    ).status_code == 412
    unchanged = await api.patch(url, json={"assignee": "u-2"})
    assert unchanged.json()["version"] == 2  # nothing changed, no event
    assigned = await events(db, "task.assigned")
    assert len(assigned) == 1
    assert assigned[0]["data"]["changes"] == {"assignee": {"from": "u-1", "to": "u-2"}}


async def test_filters(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    goal = await target(api)
    late = await task(api, assignee="u-1", due_date="2026-11-20", customer_id=c["id"])
    soon = await task(api, assignee="u-1", due_date="2026-12-05", target_id=goal["id"])
    other = await task(api, assignee="u-2")
    done = await task(api, assignee="u-2", due_date="2026-11-01")
    for status in ("in_progress", "done"):
        ok(await api.patch(f"/v1/tasks/{done['id']}", json={"status": status}))

    async def ids(**query: str) -> list[str]:
        return [t["id"] for t in ok(await api.get("/v1/tasks", params=query))["data"]]

    assert await ids(assignee="u-1") == [late["id"], soon["id"]]
    assert await ids(status="todo") == [late["id"], soon["id"], other["id"]]
    assert await ids(status="done") == [done["id"]]
    assert await ids(overdue="true") == [late["id"]]  # a done task is never overdue
    assert await ids(overdue="false") == [soon["id"], other["id"], done["id"]]
    assert await ids(due_before="2026-12-01") == [late["id"], done["id"]]
    assert await ids(target_id=goal["id"]) == [soon["id"]]
    assert await ids(customer_id=c["id"]) == [late["id"]]
    first = ok(await api.get("/v1/tasks", params={"limit": 2}))
    second = ok(await api.get("/v1/tasks", params={"limit": 2, "cursor": first["next_cursor"]}))
    assert [t["id"] for t in first["data"] + second["data"]] == [
        late["id"],
        soon["id"],
        other["id"],
        done["id"],
    ]
    assert second["next_cursor"] is None
    k = await contract(api, c["id"], installments=[])
    bill = await invoice(api, c["id"], contract_id=k["id"])
    on_invoice = await task(api, invoice_id=bill["id"])
    assert await ids(contract_id=k["id"]) == [on_invoice["id"]]
    assert await ids(invoice_id=bill["id"]) == [on_invoice["id"]]
    assert await ids(customer_id=c["id"]) == [late["id"], on_invoice["id"]]
    ok(await api.patch(f"/v1/tasks/{on_invoice['id']}", json={"status": "cancelled"}))
    assert (await api.get("/v1/tasks", params={"status": "nope"})).status_code == 422


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"kind": "dance"}, "kind"),
        ({"priority": "whenever"}, "priority"),
        ({"title": ""}, "title"),
        ({"target_id": MISSING}, "target_id"),
        ({"customer_id": MISSING}, "customer_id"),
        ({"contract_id": MISSING}, "contract_id"),
        ({"invoice_id": MISSING}, "invoice_id"),
        ({"status": "done"}, "status"),
    ],
)
async def test_bad_tasks_are_422_and_change_nothing(
    api: httpx.AsyncClient, db: AsyncEngine, body: dict[str, str], loc: str
) -> None:
    response = await api.post("/v1/tasks", json={"title": "T", "kind": "call", **body})
    assert response.status_code == 422, response.text
    assert loc in str(response.json()["errors"])
    assert await count_rows(db, "tasks") == 0


async def test_links_must_agree(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    c, other = await customer(api), await customer(api, name="乙方")
    bill = await invoice(api, c["id"])
    response = await api.post(
        "/v1/tasks",
        json={"title": "T", "kind": "call", "invoice_id": bill["id"], "customer_id": other["id"]},
    )
    assert response.status_code == 422
    assert await count_rows(db, "tasks") == 0


async def test_unknown_task_is_404(api: httpx.AsyncClient) -> None:
    assert (await api.get(f"/v1/tasks/{MISSING}")).status_code == 404
    assert (await api.patch(f"/v1/tasks/{MISSING}", json={"title": "x"})).status_code == 404

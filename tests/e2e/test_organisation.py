"""Org units, people and projects over HTTP on a real PostgreSQL."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.organisation import person, project, unit
from tests.e2e.receivables import contract, customer, ok


async def _outbox_types(db: AsyncEngine) -> list[str]:
    async with db.connect() as conn:
        rows = await conn.execute(text("SELECT type FROM outbox_events ORDER BY id"))
        return [r[0] for r in rows]


async def test_a_tree_is_built_read_and_listed(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    company = await unit(api, "HQ", manager="u-ceo")
    east = await unit(api, "EAST", company, manager="u-east")
    shanghai = await unit(api, "EAST-SH", east)
    await unit(api, "WEST", company)
    assert shanghai["parent_id"] == east["id"]
    assert shanghai["version"] == 1

    tree = ok(await api.get(f"/v1/org-units/{company['id']}/tree"))
    assert [c["code"] for c in tree["children"]] == ["EAST", "WEST"]
    assert tree["children"][0]["children"][0]["code"] == "EAST-SH"
    assert tree["children"][0]["children"][0]["depth"] == 2

    listed = ok(await api.get("/v1/org-units", params={"code": "EAST"}))["data"]
    assert [u["id"] for u in listed] == [east["id"]]
    roots = ok(await api.get("/v1/org-units", params={"roots": "true"}))["data"]
    assert [u["code"] for u in roots] == ["HQ"]
    got = await api.get(f"/v1/org-units/{east['id']}")
    assert got.json() == east
    assert got.headers["etag"] == '"1"'
    assert (await _outbox_types(db)).count("org_unit.created") == 4


async def test_a_cycle_is_409_and_changes_nothing(api: httpx.AsyncClient) -> None:
    top = await unit(api, "T")
    middle = await unit(api, "M", top)
    leaf = await unit(api, "L", middle)
    for parent in (leaf, middle):
        answer = await api.patch(f"/v1/org-units/{top['id']}", json={"parent_id": parent["id"]})
        assert answer.status_code == 409, answer.text
    itself = await api.patch(f"/v1/org-units/{top['id']}", json={"parent_id": top["id"]})
    assert itself.status_code == 409
    tree = ok(await api.get(f"/v1/org-units/{top['id']}/tree"))
    assert tree["children"][0]["children"][0]["id"] == leaf["id"]


async def test_the_ninth_level_is_422_whether_created_or_moved(api: httpx.AsyncClient) -> None:
    chain = [await unit(api, "D1")]
    for level in range(2, 9):
        chain.append(await unit(api, f"D{level}", chain[-1]))
    too_deep = await api.post(
        "/v1/org-units", json={"code": "D9", "name": "九", "parent_id": chain[-1]["id"]}
    )
    assert too_deep.status_code == 422, too_deep.text
    # A two-level subtree moved under level 7 would reach level 9.
    other = await unit(api, "X1")
    await unit(api, "X2", other)
    moved = await api.patch(f"/v1/org-units/{other['id']}", json={"parent_id": chain[6]["id"]})
    assert moved.status_code == 422, moved.text
    fine = await api.patch(f"/v1/org-units/{other['id']}", json={"parent_id": chain[5]["id"]})
    assert fine.status_code == 200, fine.text
    tree = ok(await api.get(f"/v1/org-units/{chain[0]['id']}/tree"))
    node = tree
    for _ in range(5):  # down to D6
        node = node["children"][0]
    assert [c["code"] for c in node["children"]] == ["D7", "X1"]


async def test_moving_a_subtree_moves_its_closure(api: httpx.AsyncClient) -> None:
    a, b = await unit(api, "A"), await unit(api, "B")
    a1 = await unit(api, "A1", a)
    a11 = await unit(api, "A11", a1)
    await person(api, "u-deep", a11)
    moved = await api.patch(
        f"/v1/org-units/{a1['id']}", json={"parent_id": b["id"]}, headers={"If-Match": '"1"'}
    )
    assert moved.status_code == 200
    assert moved.json()["version"] == 2
    under_b = ok(
        await api.get("/v1/people", params={"org_unit_id": b["id"], "include_descendants": "true"})
    )["data"]
    assert [p["user_id"] for p in under_b] == ["u-deep"]
    under_a = ok(
        await api.get("/v1/people", params={"org_unit_id": a["id"], "include_descendants": "true"})
    )["data"]
    assert under_a == []
    stale = await api.patch(
        f"/v1/org-units/{a1['id']}", json={"name": "x"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412


async def test_a_duplicate_code_is_409(api: httpx.AsyncClient) -> None:
    await unit(api, "DUP")
    again = await api.post("/v1/org-units", json={"code": "DUP", "name": "again"})
    assert again.status_code == 409


async def test_people_are_put_read_and_listed(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    team = await unit(api, "TEAM")
    created = await api.put("/v1/people/u-zhang", json={"name": "张三", "org_unit_id": team["id"]})
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/people/u-zhang"
    same = await api.put("/v1/people/u-zhang", json={"name": "张三", "org_unit_id": team["id"]})
    assert same.status_code == 200
    assert same.json()["version"] == 1
    changed = await api.put(
        "/v1/people/u-zhang", json={"name": "张三", "active": False}, headers={"If-Match": '"1"'}
    )
    assert changed.json()["version"] == 2
    assert changed.json()["org_unit_id"] is None
    assert ok(await api.get("/v1/people/u-zhang"))["active"] is False
    assert (await api.get("/v1/people/u-nobody")).status_code == 404
    unknown = await api.put(
        "/v1/people/u-li",
        json={"name": "李四", "org_unit_id": "00000000-0000-7000-8000-000000000000"},
    )
    assert unknown.status_code == 422
    assert (await api.get("/v1/people/u-li")).status_code == 404
    assert (await _outbox_types(db)).count("person.updated") == 2
    async with db.connect() as conn:
        history = (
            await conn.execute(
                text(
                    "SELECT org_unit_id, valid_to IS NULL FROM person_assignments "
                    "WHERE user_id = 'u-zhang' ORDER BY valid_from"
                )
            )
        ).all()
    assert [(str(u) if u else None, current) for u, current in history] == [
        (team["id"], False),
        (None, True),
    ]


async def test_a_project_with_its_figures(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    branch = await unit(api, "BR")
    buyer = await customer(api, external_id="C-PRJ")
    created = await project(api, buyer["id"], branch, external_id="P-1", manager="u-pm")
    assert created["figures"] == []
    assert created["status"] == "active"
    signed = await contract(api, buyer["id"], project_id=created["id"])
    assert signed["project_id"] == created["id"]
    invoice = ok(
        await api.post(
            "/v1/invoices",
            json={
                "customer_id": buyer["id"],
                "contract_id": signed["id"],
                "amount": "300000.00",
                "currency": "CNY",
                "issued_on": "2026-01-15",
                "due_date": "2026-02-14",
            },
        ),
        201,
    )
    ok(
        await api.post(
            "/v1/payments",
            json={
                "customer_id": buyer["id"],
                "amount": "100000.00",
                "currency": "CNY",
                "received_on": "2026-02-01",
                "allocations": [{"invoice_id": invoice["id"], "amount": "100000.00"}],
            },
        ),
        201,
    )
    detail = ok(await api.get(f"/v1/projects/{created['id']}"))
    (figures,) = detail["figures"]
    assert figures == {
        "currency": "CNY",
        "contract_value": "1000000.00",
        "invoiced": "300000.00",
        "collected": "100000.00",
        "outstanding": "200000.00",
        "overdue": figures["overdue"],
        "retention_held": "0.00",
        # The invoice names no installment: the two installments due by now are unbilled.
        "unbilled": "700000.00",
        "collection_rate": "33.33",
    }
    in_project = ok(await api.get("/v1/contracts", params={"project_id": created["id"]}))["data"]
    assert [c["id"] for c in in_project] == [signed["id"]]
    listed = ok(await api.get("/v1/projects", params={"org_unit_id": branch["id"]}))["data"]
    assert [p["external_id"] for p in listed] == ["P-1"]
    done = await api.patch(f"/v1/projects/{created['id']}", json={"status": "completed"})
    assert done.status_code == 200
    assert done.json()["version"] == 2
    types = await _outbox_types(db)
    assert {"project.created", "project.updated", "project.completed"} <= set(types)


async def test_a_project_needs_a_known_customer_and_unit(api: httpx.AsyncClient) -> None:
    nobody = "00000000-0000-7000-8000-000000000000"
    buyer = await customer(api)
    for body in ({"customer_id": nobody}, {"customer_id": buyer["id"], "org_unit_id": nobody}):
        answer = await api.post("/v1/projects", json={"name": "P", **body})
        assert answer.status_code == 422, answer.text
    assert ok(await api.get("/v1/projects"))["data"] == []


async def test_a_contract_takes_only_a_project_of_its_customer(api: httpx.AsyncClient) -> None:
    mine, theirs = await customer(api), await customer(api, name="另一家")
    other = await project(api, theirs["id"], None)
    answer = await api.post(
        "/v1/contracts",
        json={
            "customer_id": mine["id"],
            "name": "合同",
            "amount": "100.00",
            "currency": "CNY",
            "owner": "u-1",
            "signed_on": "2026-01-10",
            "project_id": other["id"],
        },
    )
    assert answer.status_code == 422, answer.text


async def test_a_person_with_a_chinese_user_id_is_created_with_an_encoded_location(
    api: httpx.AsyncClient,
) -> None:
    created = await api.put("/v1/people/张三 1", json={"name": "张三"})
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == "/v1/people/%E5%BC%A0%E4%B8%89%201"
    again = await api.get(created.headers["Location"])
    assert again.status_code == 200
    assert again.json()["user_id"] == "张三 1"

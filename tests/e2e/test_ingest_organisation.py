"""Org units, people and projects ingested, in order or not (parked until what they need
arrives), and a contract placed in a project by its external id."""

from __future__ import annotations

import httpx

from tests.e2e.ingest_http import ingest, listed, one
from tests.e2e.receivables import ok
from tests.ingest_events import contract, customer, event


def org_unit(code: str, parent: str | None = None, **data: object) -> dict[str, object]:
    return {"code": code, "name": f"部门 {code}", "parent_code": parent, **data}


async def test_out_of_order_events_park_then_apply(api: httpx.AsyncClient) -> None:
    statuses = await ingest(
        api,
        [
            event("person.upserted", {"user_id": "u-wang", "name": "王五", "org_unit_code": "SH"}),
            event("org_unit.upserted", org_unit("SH", "EAST")),
            event(
                "project.upserted",
                {
                    "external_id": "PRJ-1",
                    "name": "园区",
                    "customer_external_id": "C-9",
                    "org_unit_code": "SH",
                    "status": "active",
                    "starts_on": "2026-01-01",
                },
            ),
            event("contract.upserted", contract("HT-9", "C-9", project_external_id="PRJ-1")),
        ],
    )
    assert statuses == ["parked", "parked", "parked", "parked"]
    assert await ingest(api, [event("org_unit.upserted", org_unit("EAST", manager="u-boss"))]) == [
        "accepted"
    ]
    (shanghai,) = ok(await api.get("/v1/org-units", params={"code": "SH"}))["data"]
    (east,) = ok(await api.get("/v1/org-units", params={"code": "EAST"}))["data"]
    assert shanghai["parent_id"] == east["id"]
    assert east["manager"] == "u-boss"
    assert ok(await api.get("/v1/people/u-wang"))["org_unit_id"] == shanghai["id"]
    assert await ingest(api, [event("customer.upserted", customer("C-9"))]) == ["accepted"]
    project = await one(api, "/v1/projects", "PRJ-1")
    assert project["org_unit_id"] == shanghai["id"]
    assert project["starts_on"] == "2026-01-01"
    signed = await one(api, "/v1/contracts", "HT-9")
    assert signed["project_id"] == project["id"]
    assert [r["status"] for r in await listed(api, status="parked")] == []


async def test_an_upsert_moves_and_a_cycle_is_rejected(api: httpx.AsyncClient) -> None:
    await ingest(
        api,
        [event("org_unit.upserted", org_unit("A")), event("org_unit.upserted", org_unit("B", "A"))],
    )
    assert await ingest(
        api, [event("org_unit.upserted", org_unit("A", "B"), occurred_at="2026-11-28T08:00:00Z")]
    ) == ["rejected"]
    (a,) = ok(await api.get("/v1/org-units", params={"code": "A"}))["data"]
    assert a["parent_id"] is None


async def test_bad_organisation_data_is_rejected_whole(api: httpx.AsyncClient) -> None:
    answers = await ingest(
        api,
        [
            event("org_unit.upserted", {"code": "X", "name": "X", "parent_code": "X"}),
            event("person.upserted", {"user_id": "u-1", "name": "n", "active": "yes"}),
            event(
                "project.upserted",
                {"external_id": "P", "name": "n", "customer_external_id": "C", "status": "paused"},
            ),
        ],
    )
    assert answers == ["rejected", "rejected", "rejected"]


async def test_a_unit_created_over_rest_releases_what_waits_for_it(
    api: httpx.AsyncClient,
) -> None:
    person = {"user_id": "u-zhao", "name": "赵六", "org_unit_code": "NEW"}
    assert await ingest(api, [event("person.upserted", person)]) == ["parked"]
    created = ok(await api.post("/v1/org-units", json={"code": "NEW", "name": "新部门"}), 201)
    assert ok(await api.get("/v1/people/u-zhao"))["org_unit_id"] == created["id"]

"""Targets as a tree: a company target split to units, projects and people, each part's
rules (422), and the breakdown with each node's progress (tests/e2e/org_book.py)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.org_book import org_book
from tests.e2e.receivables import ok

PERIOD = {"period_start": "2026-11-01", "period_end": "2026-11-30"}


async def target(api: httpx.AsyncClient, **body: Any) -> httpx.Response:
    payload = {"name": "目标", "currency": "CNY", "scope": "org", **PERIOD, **body}
    return await api.post("/v1/targets", json=payload)


async def test_a_company_target_split_to_units_and_its_breakdown(api: httpx.AsyncClient) -> None:
    book = await org_book(api)
    company = ok(await target(api, amount="1000.00"), 201)
    east = ok(
        await target(
            api,
            amount="600.00",
            scope="org_unit",
            scope_id=book.units["EAST"]["id"],
            parent_id=company["id"],
        ),
        201,
    )
    assert east["parent_id"] == company["id"]
    assert east["collected"] == "400.00"  # i1's payment, in SH under EAST
    ok(
        await target(
            api,
            amount="300.00",
            scope="project",
            scope_id=book.projects["P"]["id"],
            parent_id=company["id"],
        ),
        201,
    )
    ok(
        await target(api, amount="200.00", scope="owner", scope_id="u-sh", parent_id=east["id"]),
        201,
    )
    tree = ok(await api.get(f"/v1/targets/{company['id']}/breakdown"))
    assert (tree["depth"], tree["collected"], tree["children_amount"]) == (0, "400.00", "900.00")
    assert tree["unassigned_amount"] == "100.00"
    assert tree["children_collected"] == "400.00"
    (east_node, project_node) = sorted(tree["children"], key=lambda n: n["scope"])
    assert east_node["children_amount"] == "200.00"
    assert east_node["unassigned_amount"] == "400.00"
    assert east_node["children"][0]["collected"] == "400.00"
    assert east_node["children"][0]["depth"] == 2
    assert project_node["collected"] == "0.00"
    assert project_node["children"] == []


async def test_a_part_breaking_the_rules_is_422_and_nothing_is_written(
    api: httpx.AsyncClient,
) -> None:
    company = ok(await target(api, amount="1000.00"), 201)
    ok(await target(api, amount="700.00", parent_id=company["id"]), 201)
    for body in (
        {"amount": "300.01"},
        {"amount": "10.00", "currency": "USD"},
        {"amount": "10.00", "period_end": "2026-12-01"},
        {"amount": "10.00", "period_start": "2026-10-31"},
    ):
        answer = await target(api, parent_id=company["id"], **body)
        assert answer.status_code == 422, (body, answer.text)
    unknown = await target(api, amount="1.00", parent_id="00000000-0000-7000-8000-000000000000")
    assert unknown.status_code == 422
    shrunk = await api.patch(f"/v1/targets/{company['id']}", json={"amount": "699.99"})
    assert shrunk.status_code == 422, shrunk.text
    tree = ok(await api.get(f"/v1/targets/{company['id']}/breakdown"))
    assert tree["children_amount"] == "700.00"
    assert tree["amount"] == "1000.00"
    nobody = await target(
        api, amount="1.00", scope="org_unit", scope_id="00000000-0000-7000-8000-000000000000"
    )
    assert nobody.status_code == 422
    missing = await api.get("/v1/targets/00000000-0000-7000-8000-000000000000/breakdown")
    assert missing.status_code == 404

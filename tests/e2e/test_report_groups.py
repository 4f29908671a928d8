"""Reports grouped by org unit (rolled up) and by project: each unit's row includes its
descendants', and the root units' rows plus the unassigned row equal the whole book, in
every report and grouping (tests/e2e/org_book.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from app.domain.reporting.reports import AgingBasis, GroupBy
from app.services.platform import Platform
from app.services.reporting import documents, reports
from tests.e2e.org_book import org_book
from tests.e2e.organisation import person
from tests.e2e.receivables import ok
from tests.fakes import FixedClock


async def report(api: httpx.AsyncClient, name: str, **params: Any) -> dict[str, Any]:
    return ok(await api.get(f"/v1/reports/{name}", params=params))


def by_unit(rows: list[dict[str, Any]], codes: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {("unassigned" if r["unassigned"] else codes[r["org_unit_id"]]): r for r in rows}


def roots_and_unassigned_add_up(rows: list[dict[str, Any]], total: Decimal, field: str) -> None:
    parts = [Decimal(r[field]) for r in rows if r["unassigned"] or r.get("depth") == 1]
    assert sum(parts, Decimal(0)) == total


async def test_aging_by_unit_rolls_up_and_adds_up(api: httpx.AsyncClient) -> None:
    book = await org_book(api)
    codes = {u["id"]: code for code, u in book.units.items()}
    aged = await report(api, "aging", group_by="org_unit")
    rows = by_unit(aged["groups"], codes)
    assert {k: r["total"] for k, r in rows.items()} == {
        "HQ": "1200.00",
        "EAST": "700.00",
        "SH": "700.00",
        "WEST": "500.00",
        "unassigned": "500.00",
    }
    assert (rows["SH"]["parent_id"], rows["SH"]["depth"]) == (book.units["EAST"]["id"], 3)
    assert rows["HQ"]["parent_id"] is None
    assert rows["HQ"]["depth"] == 1
    assert rows["SH"]["org_unit_name"] == "部门 SH"
    assert rows["SH"]["buckets"]["1_30"] == "700.00"  # i1 26 days, i5 7 days overdue
    (total,) = aged["totals"]
    assert total["total"] == "1700.00"
    assert total["unassigned"] is False
    roots_and_unassigned_add_up(aged["groups"], Decimal(total["total"]), "total")


async def test_aging_by_project_adds_up(api: httpx.AsyncClient) -> None:
    book = await org_book(api)
    aged = await report(api, "aging", group_by="project", basis="installment")
    rows = {("unassigned" if r["unassigned"] else r["project_name"]): r for r in aged["groups"]}
    assert {k: r["total"] for k, r in rows.items()} == {
        "P": "500.00",
        "P2": "100.00",
        "unassigned": "1100.00",
    }
    assert rows["P"]["project_id"] == book.projects["P"]["id"]
    (total,) = aged["totals"]
    assert sum(Decimal(r["total"]) for r in aged["groups"]) == Decimal(total["total"])


async def test_aging_by_unit_as_csv(api: httpx.AsyncClient) -> None:
    await org_book(api)
    answer = await api.get(
        "/v1/reports/aging", params={"group_by": "org_unit"}, headers={"Accept": "text/csv"}
    )
    lines = answer.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("line,currency,org_unit_id,org_unit_name,parent_id,depth,")
    assert any(",unassigned,,," in line for line in lines)


async def test_a_move_counts_from_then_on_and_a_past_day_keeps_the_old_unit(
    api: httpx.AsyncClient, clock: FixedClock
) -> None:
    book = await org_book(api)
    codes = {u["id"]: code for code, u in book.units.items()}
    clock.advance(days=2)  # 2026-11-29
    await person(api, "u-sh", book.units["WEST"])
    now = by_unit((await report(api, "aging", group_by="org_unit"))["groups"], codes)
    assert {k: r["total"] for k, r in now.items()} == {
        "HQ": "1200.00",
        "WEST": "1200.00",
        "unassigned": "500.00",
    }
    then = by_unit(
        (await report(api, "aging", group_by="org_unit", as_of="2026-11-27"))["groups"], codes
    )
    assert then["SH"]["total"] == "700.00"
    assert then["WEST"]["total"] == "500.00"


def top_level(group_by: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows that partition the book: by unit the roots and the unassigned row, else all."""
    if group_by != "org_unit":
        return rows
    return [r for r in rows if r["unassigned"] or r["depth"] == 1]


async def test_kpi_groups_add_up_to_the_totals_for_every_grouping(
    api: httpx.AsyncClient,
) -> None:
    book = await org_book(api)
    for group_by in ("customer", "owner", "org_unit", "project"):
        kpis = await report(api, "kpis", group_by=group_by)
        (total,) = kpis["data"]
        assert kpis["group_by"] == group_by
        assert total["collected"] == "400.00"
        assert total["closing_receivables"] == "1700.00"
        for field in ("collected", "closing_receivables", "overdue", "opening_receivables"):
            parts = [Decimal(g[field]) for g in top_level(group_by, kpis["groups"])]
            assert sum(parts, Decimal(0)) == Decimal(total[field]), (group_by, field)
    by_unit_kpis = await report(api, "kpis", group_by="org_unit")
    codes = {u["id"]: code for code, u in book.units.items()}
    rows = by_unit(by_unit_kpis["groups"], codes)
    assert rows["SH"]["collected"] == "400.00"
    assert rows["HQ"]["collected"] == "400.00"
    assert rows["WEST"]["closing_receivables"] == "500.00"
    owners = {
        g["owner"]: g["closing_receivables"]
        for g in (await report(api, "kpis", group_by="owner"))["groups"]
    }
    assert owners == {"u-sh": "700.00", "u-orphan": "800.00", None: "200.00"}
    ungrouped = await report(api, "kpis")
    assert "groups" not in ungrouped
    assert ungrouped["data"] == by_unit_kpis["data"]


async def test_forecast_groups_add_up_to_the_book(api: httpx.AsyncClient) -> None:
    book = await org_book(api)
    codes = {u["id"]: code for code, u in book.units.items()}
    for group_by in ("customer", "owner", "org_unit", "project"):
        answer = await report(api, "forecast", group_by=group_by, interval="month")
        assert answer["group_by"] == group_by
        whole = sum(Decimal(p["total"]) for p in answer["periods"] + answer["overdue"])
        parts = [
            Decimal(p["total"])
            for g in top_level(group_by, answer["groups"])
            for p in g["periods"] + g["overdue"]
        ]
        assert whole == Decimal("1700.00")
        assert sum(parts, Decimal(0)) == whole, group_by
    units = by_unit((await report(api, "forecast", group_by="org_unit"))["groups"], codes)
    west = sum(Decimal(p["total"]) for p in units["WEST"]["periods"] + units["WEST"]["overdue"])
    assert west == Decimal("500.00")
    csv = await api.get(
        "/v1/reports/forecast", params={"group_by": "project"}, headers={"Accept": "text/csv"}
    )
    assert csv.text.lstrip("\ufeff").startswith("line,project_id,project_name,currency,")


def _money(line: dict[str, Any], field: str) -> Decimal:
    return sum((Decimal(c[field]) for c in line["currencies"]), Decimal(0))


async def test_performance_groups_add_up_to_the_owners(api: httpx.AsyncClient) -> None:
    book = await org_book(api)
    codes = {u["id"]: code for code, u in book.units.items()}
    owners = (await report(api, "performance"))["data"]
    for group_by in ("org_unit", "project"):
        answer = await report(api, "performance", group_by=group_by)
        assert answer["group_by"] == group_by
        for field in ("collected", "falling_due", "collected_on_time"):
            whole = sum((_money(o, field) for o in owners), Decimal(0))
            parts = [_money(g, field) for g in top_level(group_by, answer["data"])]
            assert sum(parts, Decimal(0)) == whole, (group_by, field)
    units = by_unit((await report(api, "performance", group_by="org_unit"))["data"], codes)
    assert _money(units["HQ"], "falling_due") == Decimal("1100.00")
    assert _money(units["unassigned"], "falling_due") == Decimal("200.00")
    refused = await api.get("/v1/reports/performance", params={"group_by": "customer"})
    assert refused.status_code == 422


async def test_a_managers_team_view_lists_every_members_items(api: httpx.AsyncClient) -> None:
    book = await org_book(api)
    team = ok(await api.get("/v1/worklist", params={"org_unit_id": book.units["HQ"]["id"]}))
    # i1 and i5 (u-sh, SH) are overdue; u-west owns nothing; u-orphan is in no unit.
    assert sorted((i["reference"] or "", i["assignee"]) for i in team["data"]) == [
        ("", "u-sh"),
        ("", "u-sh"),
    ]
    assert team["assignee"] is None
    assert team["org_unit_id"] == book.units["HQ"]["id"]
    west = ok(await api.get("/v1/worklist", params={"org_unit_id": book.units["WEST"]["id"]}))
    assert west["data"] == []
    mine = ok(await api.get("/v1/worklist", params={"assignee": "u-sh"}))
    assert [i["id"] for i in mine["data"]] == [i["id"] for i in team["data"]]
    assert {i["assignee"] for i in mine["data"]} == {"u-sh"}
    both = await api.get(
        "/v1/worklist", params={"assignee": "u-sh", "org_unit_id": book.units["HQ"]["id"]}
    )
    assert both.status_code == 422
    assert (await api.get("/v1/worklist")).status_code == 422


async def test_the_json_postgresql_renders_is_the_documents(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    """Ageing's JSON answer is rendered by the database (decision 0089): the same document,
    in the same order, as the Python documents give, for every grouping and basis."""
    await org_book(api)
    for group_by in GroupBy:
        for basis in AgingBasis:
            uow = platform.uow()
            async with uow:
                made = await reports.aging(uow, platform.clock, None, group_by, basis)
            expected = documents.aging_document(made)
            answer = await report(api, "aging", group_by=group_by.value, basis=basis.value)
            assert answer == expected, (group_by, basis)
            assert [g["total"] for g in answer["groups"]] == [
                g["total"] for g in expected["groups"]
            ]

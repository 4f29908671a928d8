"""The progress review for one organisation unit and its descendants, on the org book
(tests/e2e/org_book.py): its figures are the unit's rows of the grouped reports."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.org_book import org_book
from tests.e2e.receivables import contract, customer, invoice, ok
from tests.e2e.report_people import _promise, moment
from tests.fakes import FixedClock

PERIOD = {"from": "2026-11-16", "to": "2026-11-22"}


def section(review: dict[str, Any], key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in review["sections"] if s["key"] == key)
    return found


async def test_a_unit_s_review_is_its_rows_of_the_grouped_reports(api: httpx.AsyncClient) -> None:
    book = await org_book(api)
    east = book.units["EAST"]
    review = ok(
        await api.get("/v1/reports/progress-review", params={**PERIOD, "org_unit_id": east["id"]})
    )
    assert review["org_unit_id"] == east["id"]
    assert all(s["available"] for s in review["sections"])

    units = section(review, "by_org_unit")["rows"]
    assert {r["org_unit_id"] for r in units} <= {east["id"], book.units["SH"]["id"]}
    assert east["id"] in {r["org_unit_id"] for r in units}
    # P sits in WEST, P2 in no unit: EAST has no project.
    assert section(review, "by_project")["rows"] == []
    # P (WEST) has i2 falling due on 12-10: its week has a row for it.
    west = {"from": "2026-12-07", "to": "2026-12-13", "org_unit_id": book.units["WEST"]["id"]}
    west_review = ok(await api.get("/v1/reports/progress-review", params=west))
    assert {r["project_id"] for r in section(west_review, "by_project")["rows"]} == {
        book.projects["P"]["id"]
    }

    kpis = ok(await api.get("/v1/reports/kpis", params={**PERIOD, "group_by": "org_unit"}))
    mine = [g for g in kpis["groups"] if g.get("org_unit_id") == east["id"]]
    collection = section(review, "collection")["rows"]
    assert [(r["currency"], r["collected"]) for r in collection] == [
        (g["currency"], g["collected"]) for g in mine
    ]

    aging = ok(
        await api.get("/v1/reports/aging", params={"as_of": PERIOD["to"], "group_by": "org_unit"})
    )
    rows = [g for g in aging["groups"] if g.get("org_unit_id") == east["id"]]
    assert [(r["currency"], r["total"]) for r in section(review, "aging")["rows"]] == [
        (g["currency"], g["total"]) for g in rows
    ]
    # SH (under EAST): i1 1000 due 11-01, 400 of it paid 11-20; i5 100 (k4, owner u-sh) fell
    # due 11-20. WEST's i2 and the unassigned invoices are not EAST's.
    assert section(review, "overdue_movement")["rows"] == [
        {
            "currency": "CNY",
            "overdue_at_start": "1000.00",
            "new_overdue": "100.00",
            "recovered": "400.00",
            "overdue_at_end": "700.00",
        }
    ]


async def test_a_unit_s_promises_are_those_its_people_recorded(
    api: httpx.AsyncClient, clock: FixedClock
) -> None:
    book = await org_book(api)
    buyer = book.customer["id"]
    await _promise(api, clock, moment(17), buyer, "300.00", "2026-11-30", "u-sh")
    await _promise(api, clock, moment(18), buyer, "200.00", "2026-11-30", "u-west")
    await _promise(api, clock, moment(18), buyer, "50.00", "2026-11-30")  # nobody's
    params = {**PERIOD, "org_unit_id": book.units["EAST"]["id"]}
    east = ok(await api.get("/v1/reports/progress-review", params=params))
    (cny,) = section(east, "promises")["rows"]
    assert (cny["made_count"], cny["made"]) == (1, "300.00")
    whole = ok(await api.get("/v1/reports/progress-review", params=PERIOD))
    (everyone,) = section(whole, "promises")["rows"]
    assert (everyone["made_count"], everyone["made"]) == (3, "550.00")


async def test_a_unit_s_risk_flags_are_those_its_people_own(api: httpx.AsyncClient) -> None:
    book = await org_book(api)
    subject = {"type": "customer", "id": book.customer["id"]}
    for kind, owner in (("legal", "u-sh"), ("dispute", "u-west"), ("other", None)):
        body = {"subject": subject, "kind": kind, "severity": "low", "owner": owner}
        ok(await api.post("/v1/risk-flags", json=body), 201)
    week = {"from": "2026-11-23", "to": "2026-11-29"}  # today, 11-27, is in it
    params = {**week, "org_unit_id": book.units["EAST"]["id"]}
    east = ok(await api.get("/v1/reports/progress-review", params=params))
    east_flags = section(east, "risk_flags")["rows"]
    assert [(r["kind"], r["opened"]) for r in east_flags] == [("legal", 1)]
    whole = ok(await api.get("/v1/reports/progress-review", params=week))
    opened = {r["kind"]: r["opened"] for r in section(whole, "risk_flags")["rows"]}
    assert opened == {"legal": 1, "dispute": 1, "other": 1}


async def test_the_whole_company_review_has_units_and_projects(api: httpx.AsyncClient) -> None:
    book = await org_book(api)
    review = ok(await api.get("/v1/reports/progress-review", params=PERIOD))
    units = {r["org_unit"] for r in section(review, "by_org_unit")["rows"]}
    assert book.units["HQ"]["name"] in units
    assert section(review, "by_project")["available"] is True


async def test_a_unit_s_largest_overdue_customers_count_its_money_only(
    api: httpx.AsyncClient,
) -> None:
    book = await org_book(api)
    other = await customer(api, name="西部客户")
    west_k = await contract(
        api, other["id"], owner="u-west", installments=[], signed_on="2026-08-01"
    )
    await invoice(
        api, other["id"], contract_id=west_k["id"], amount="5000.00", due_date="2026-11-05"
    )
    east = ok(
        await api.get(
            "/v1/reports/progress-review",
            params={**PERIOD, "org_unit_id": book.units["EAST"]["id"]},
        )
    )
    # EAST (SH): i1's 600 left and i5's 100, both overdue on 11-22; WEST's customer is not
    # EAST's, nor are the buyer's invoices of WEST or no unit.
    top = rows(east, "top_overdue_customers")
    assert [(r["customer_name"], r["overdue"], r["outstanding"]) for r in top] == [
        (book.customer["name"], "700.00", "700.00")
    ]
    west = ok(
        await api.get(
            "/v1/reports/progress-review",
            params={**PERIOD, "org_unit_id": book.units["WEST"]["id"]},
        )
    )
    # WEST: the other customer's 5000 overdue; the buyer's i2 (P, WEST) is not due yet.
    assert [(r["customer_name"], r["overdue"]) for r in rows(west, "top_overdue_customers")] == [
        ("西部客户", "5000.00")
    ]
    whole = ok(await api.get("/v1/reports/progress-review", params=PERIOD))
    assert [(r["customer_name"], r["overdue"]) for r in rows(whole, "top_overdue_customers")] == [
        ("西部客户", "5000.00"),
        (book.customer["name"], "1200.00"),  # i1 600, i3 300, i4 200, i5 100
    ]


async def test_a_unit_s_unbilled_work_and_expiring_periods_are_its_contracts_only(
    api: httpx.AsyncClient,
) -> None:
    book = await org_book(api)
    buyer = book.customer["id"]
    listed: dict[str, dict[str, Any]] = {}
    for owner in ("u-sh", "u-west"):
        # Work due 2026-10-15 never invoiced, and an invoice due 2024-01-31 (its period
        # ends 2027-01-31, within 180 days of the review's end).
        k = await contract(api, buyer, owner=owner, signed_on="2023-01-10", installments=[
            {"name": f"全款 {owner}", "due_date": "2024-01-31", "percent": "40"},
            {"name": f"验收款 {owner}", "due_date": "2026-10-15", "percent": "60"}])  # fmt: skip
        await invoice(
            api, buyer, contract_id=k["id"], external_id=f"OLD-{owner}", issued_on="2024-01-01",
            due_date="2024-01-31", amount="400000.00", installment_id=k["installments"][0]["id"],
        )  # fmt: skip
        listed[owner] = k
    params = {**PERIOD, "org_unit_id": book.units["EAST"]["id"]}
    east = ok(await api.get("/v1/reports/progress-review", params=params))
    assert [r["installment"] for r in rows(east, "unbilled")] == ["验收款 u-sh"]
    assert [r["ref"] for r in rows(east, "limitation_expiring")] == ["OLD-u-sh"]
    whole = ok(await api.get("/v1/reports/progress-review", params=PERIOD))
    assert sorted(r["installment"] for r in rows(whole, "unbilled")) == [
        "验收款 u-sh",
        "验收款 u-west",
    ]
    assert sorted(r["ref"] for r in rows(whole, "limitation_expiring")) == [
        "OLD-u-sh",
        "OLD-u-west",
    ]
    # OTHER holds no contract: every look-out is empty, and still available.
    other = {**PERIOD, "org_unit_id": book.units["OTHER"]["id"]}
    nobody = ok(await api.get("/v1/reports/progress-review", params=other))
    for key in ("top_overdue_customers", "unbilled", "limitation_expiring"):
        assert section(nobody, key)["available"] is True
        assert rows(nobody, key) == []


def rows(review: dict[str, Any], key: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = section(review, key)["rows"]
    return found

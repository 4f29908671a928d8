"""GET /v1/reports/retention: retention money held by customers, as JSON and CSV."""

from __future__ import annotations

import csv
import io

import httpx

from tests.e2e.milestone_book import construction
from tests.e2e.organisation import person, project, unit
from tests.e2e.receivables import customer, invoice, ok

CSV = {"Accept": "text/csv"}


async def test_retention_awaiting_then_released_then_past_release(api: httpx.AsyncClient) -> None:
    buyer = await customer(api, name="甲建设集团")
    k = await construction(api, buyer["id"])
    other = await construction(api, buyer["id"], name="厂房二期", amount="200000.00")
    retention = k["installments"][2]

    awaiting = ok(await api.get("/v1/reports/retention"))
    assert (awaiting["as_of"], awaiting["group_by"]) == ("2026-11-27", "customer")
    (group,) = awaiting["groups"]
    assert (group["customer_name"], group["amount"], group["outstanding"]) == (
        "甲建设集团",
        "60000.00",
        "60000.00",
    )
    assert group["past_release"] == "0.00"
    assert [(i["amount"], i["release_date"], i["awaiting_milestone"]) for i in group["items"]] == [
        ("10000.00", None, "completion"),
        ("50000.00", None, "completion"),
    ]

    # Completion long ago: released 24 months later, already past release by today.
    reach = {"reached_on": "2024-10-31"}
    ok(await api.post(f"/v1/contracts/{k['id']}/milestones/completion/reach", json=reach))
    bill = await invoice(
        api,
        buyer["id"],
        contract_id=k["id"],
        installment_id=retention["id"],
        amount="50000.00",
        issued_on="2026-11-01",
        due_date="2026-11-10",
    )
    pay = {
        "customer_id": buyer["id"],
        "amount": "20000.00",
        "currency": "CNY",
        "received_on": "2026-11-20",
        "allocations": [{"invoice_id": bill["id"], "amount": "20000.00"}],
    }
    ok(await api.post("/v1/payments", json=pay), 201)

    report = ok(await api.get("/v1/reports/retention"))
    (group,) = report["groups"]
    first = group["items"][0]
    assert (first["contract_id"], first["release_date"], first["days_past_release"]) == (
        k["id"],
        "2026-10-31",
        27,
    )
    assert (first["collected"], first["outstanding"]) == ("20000.00", "30000.00")
    assert group["items"][1]["contract_id"] == other["id"]
    assert (group["collected"], group["outstanding"], group["past_release"]) == (
        "20000.00",
        "40000.00",
        "30000.00",
    )
    assert report["totals"] == [
        {
            "currency": "CNY",
            "amount": "60000.00",
            "collected": "20000.00",
            "outstanding": "40000.00",
        }
    ]

    # As of the day before the payment: nothing collected yet.
    before = ok(await api.get("/v1/reports/retention", params={"as_of": "2026-11-19"}))
    assert before["groups"][0]["items"][0]["collected"] == "0.00"

    answer = await api.get("/v1/reports/retention", headers=CSV)
    assert answer.status_code == 200
    header, *rows = list(csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert header[:4] == ["customer_id", "customer_name", "currency", "contract_id"]
    assert rows[0][header.index("release_date")] == "2026-10-31"
    assert rows[1][header.index("awaiting_milestone")] == "completion"
    assert [r[header.index("outstanding")] for r in rows] == ["30000.00", "10000.00"]

    bad = await api.get("/v1/reports/retention", params={"group_by": "owner"})
    assert bad.status_code == 422


async def test_retention_by_project_and_by_org_unit_rolled_up(api: httpx.AsyncClient) -> None:
    buyer = await customer(api)
    east = await unit(api, "EAST")
    shanghai = await unit(api, "SH", east)
    await person(api, "u-pm-1", shanghai)
    park = await project(api, buyer["id"], None, name="园区一期")
    await construction(api, buyer["id"], project_id=park["id"])
    await construction(api, buyer["id"], owner="u-nobody", amount="200000.00")

    (money,) = ok(await api.get(f"/v1/projects/{park['id']}"))["figures"]
    assert (money["retention_held"], money["unbilled"]) == ("50000.00", "300000.00")
    by_project = ok(await api.get("/v1/reports/retention", params={"group_by": "project"}))
    assert [(g["project_name"], g["unassigned"], g["amount"]) for g in by_project["groups"]] == [
        ("园区一期", False, "50000.00"),
        (None, True, "10000.00"),
    ]

    by_unit = ok(await api.get("/v1/reports/retention", params={"group_by": "org_unit"}))
    assert [
        (g["org_unit_name"], g["depth"], g["unassigned"], g["amount"]) for g in by_unit["groups"]
    ] == [
        ("部门 EAST", 1, False, "50000.00"),
        ("部门 SH", 2, False, "50000.00"),
        (None, None, True, "10000.00"),
    ]
    assert by_unit["groups"][1]["parent_id"] == east["id"]
    # Each installment once in the totals, though a unit's group includes its children's.
    assert by_unit["totals"][0]["amount"] == "60000.00"
    answer = await api.get("/v1/reports/retention", params={"group_by": "org_unit"}, headers=CSV)
    header = answer.text.lstrip("\ufeff").split("\r\n")[0]
    assert header.startswith("org_unit_id,org_unit_name,currency,")

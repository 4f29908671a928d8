"""GET /v1/reports/retention: retention money held by customers, as JSON and CSV."""

from __future__ import annotations

import csv
import io

import httpx

from tests.e2e.milestone_book import construction
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
    assert header[:3] == ["customer_id", "customer_name", "currency"]
    assert rows[0][header.index("release_date")] == "2026-10-31"
    assert rows[1][header.index("awaiting_milestone")] == "completion"
    assert [r[header.index("outstanding")] for r in rows] == ["30000.00", "10000.00"]

    bad = await api.get("/v1/reports/retention", params={"group_by": "owner"})
    assert bad.status_code == 422

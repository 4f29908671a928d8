"""A book with an org tree, people and projects, for the reports grouped by unit and
project (today is 2026-11-27 on the test clock).

    HQ ─┬─ EAST ── SH        u-sh in SH, u-west in WEST; u-orphan has no person record
        └─ WEST
    OTHER (a second root, with no money)

    k1 owner u-sh, no project          i1 1000 due 11-01, 400 paid on 11-20  -> SH
    k2 owner u-orphan, project P (WEST) i2  500 due 12-10                     -> WEST
    k3 owner u-orphan, no project       i3  300 due 10-01                     -> unassigned
    k4 owner u-sh, project P2 (no unit) i5  100 due 11-20                     -> SH (owner)
    no contract                          i4  200 due 11-10                     -> unassigned
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.e2e.organisation import person, project, unit
from tests.e2e.receivables import contract, customer, ok


@dataclass
class OrgBook:
    units: dict[str, dict[str, Any]]
    projects: dict[str, dict[str, Any]]
    customer: dict[str, Any]


async def _invoice(
    api: httpx.AsyncClient, buyer: dict[str, Any], k: dict[str, Any] | None, amount: str, due: str
) -> dict[str, Any]:
    body = {
        "customer_id": buyer["id"],
        "amount": amount,
        "currency": "CNY",
        "issued_on": "2026-09-01",
        "due_date": due,
    }
    if k is not None:
        body["contract_id"] = k["id"]
    return ok(await api.post("/v1/invoices", json=body), 201)


async def org_book(api: httpx.AsyncClient) -> OrgBook:
    hq = await unit(api, "HQ", manager="u-ceo")
    east = await unit(api, "EAST", hq)
    units = {
        "HQ": hq,
        "EAST": east,
        "SH": await unit(api, "SH", east),
        "WEST": await unit(api, "WEST", hq),
        "OTHER": await unit(api, "OTHER"),
    }
    await person(api, "u-sh", units["SH"])
    await person(api, "u-west", units["WEST"])
    buyer = await customer(api)
    p = await project(api, buyer["id"], units["WEST"], name="P")
    p2 = await project(api, buyer["id"], None, name="P2")
    plain = {"installments": [], "signed_on": "2026-08-01"}
    k1 = await contract(api, buyer["id"], owner="u-sh", **plain)
    k2 = await contract(api, buyer["id"], owner="u-orphan", project_id=p["id"], **plain)
    k3 = await contract(api, buyer["id"], owner="u-orphan", **plain)
    k4 = await contract(api, buyer["id"], owner="u-sh", project_id=p2["id"], **plain)
    i1 = await _invoice(api, buyer, k1, "1000.00", "2026-11-01")
    await _invoice(api, buyer, k2, "500.00", "2026-12-10")
    await _invoice(api, buyer, k3, "300.00", "2026-10-01")
    await _invoice(api, buyer, None, "200.00", "2026-11-10")
    await _invoice(api, buyer, k4, "100.00", "2026-11-20")
    payment = {
        "customer_id": buyer["id"],
        "amount": "400.00",
        "currency": "CNY",
        "received_on": "2026-11-20",
        "allocations": [{"invoice_id": i1["id"], "amount": "400.00"}],
    }
    ok(await api.post("/v1/payments", json=payment), 201)
    return OrgBook(units, {"P": p, "P2": p2}, buyer)

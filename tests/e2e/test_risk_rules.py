"""Risk rules over HTTP: amount mismatch, credit limit and dispute, each raised in the
transaction of the change that triggers it; a rule raises severity, never a second flag."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.collection import flags
from tests.e2e.receivables import customer, events, invoice, ok, payment


async def test_a_payment_matching_an_invoice_raises_nothing(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    for n, amount in enumerate(("100.00", "200.00", "300.00")):
        await invoice(api, c["id"], amount=amount, due_date=f"2026-10-1{n}")
    await payment(api, c["id"], amount="100.00")  # exactly the oldest
    await payment(api, c["id"], amount="300.00")  # spread over 200 + 100, but equals one
    await payment(api, c["id"], amount="50.00")  # part of one invoice
    assert await flags(api) == []


async def test_amount_mismatch_then_escalation(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    c = await customer(api)
    await invoice(api, c["id"], amount="100.00", due_date="2026-10-10")
    await invoice(api, c["id"], amount="200.00", due_date="2026-10-11")
    spread = await payment(api, c["id"], amount="250.00")  # over two invoices, matches none
    assert len(spread["allocations"]) == 2
    (flag,) = await flags(api)
    assert flag["subject"] == {"type": "customer", "id": c["id"]}
    assert (flag["kind"], flag["severity"], flag["source"], flag["rule"]) == (
        "amount_mismatch",
        "low",
        "rule",
        "amount_mismatch",
    )
    await payment(api, c["id"], amount="60.00")  # 50 pays the rest, 10 left unallocated
    (flag,) = await flags(api)
    assert flag["severity"] == "medium"
    await payment(api, c["id"], amount="70.00")  # nothing open: unallocated, same severity
    (flag,) = await flags(api)
    assert flag["version"] == 2
    types = [e["type"] for e in await events(db, "risk.")]
    assert types == ["risk.raised", "risk.escalated"]
    escalated = (await events(db, "risk.escalated"))[0]["data"]
    assert escalated["changes"] == {"severity": {"from": "low", "to": "medium"}}
    assert escalated["rule"] == "amount_mismatch"


async def test_explicit_or_withheld_allocation_is_the_callers_choice(
    api: httpx.AsyncClient,
) -> None:
    c = await customer(api)
    bill = await invoice(api, c["id"], amount="100.00")
    await payment(api, c["id"], amount="999.00", allocations=[])
    await payment(
        api, c["id"], amount="80.00", allocations=[{"invoice_id": bill["id"], "amount": "80.00"}]
    )
    assert await flags(api) == []


async def test_credit_limit_rule_and_the_customer_risk_summary(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api, credit_limit="1000.00")
    await invoice(api, c["id"], amount="900.00")
    await invoice(api, c["id"], amount="50.00", currency="USD")  # another currency
    assert await flags(api) == []
    await invoice(api, c["id"], amount="200.00")  # 1100: above the limit
    (flag,) = await flags(api, kind="credit")
    assert (flag["severity"], flag["rule"]) == ("medium", "credit_limit")
    await invoice(api, c["id"], amount="150.00")  # 1250: 125 %
    (flag,) = await flags(api, kind="credit")
    assert flag["severity"] == "high"
    detail = ok(await api.get(f"/v1/customers/{c['id']}"))
    assert detail["risk"] == {"open_flags": 1, "highest_severity": "high"}
    ok(await api.patch(f"/v1/customers/{c['id']}", json={"credit_limit": "800.00"}))
    (flag,) = await flags(api, kind="credit")
    assert flag["severity"] == "critical"  # 1250 / 800 > 150 %
    updated = (await events(db, "customer.updated"))[-1]["data"]["object"]
    assert updated["risk"] == {"open_flags": 1, "highest_severity": "critical"}
    types = [e["type"] for e in await events(db, "risk.")]
    assert types == ["risk.raised", "risk.escalated", "risk.escalated"]


async def test_a_reversed_payment_can_push_a_customer_over_its_limit(
    api: httpx.AsyncClient,
) -> None:
    c = await customer(api, credit_limit="1000.00")
    await invoice(api, c["id"], amount="1000.00")
    paid = await payment(api, c["id"], amount="600.00")
    await invoice(api, c["id"], amount="500.00", due_date="2026-11-30")  # 900 outstanding
    assert await flags(api) == []
    ok(await api.post(f"/v1/payments/{paid['id']}/reverse", json={"reason": "退票"}))
    (flag,) = await flags(api, kind="credit")
    assert flag["severity"] == "critical"  # 1500 / 1000: 150 %


async def test_an_undone_allocation_is_checked_against_the_limit(api: httpx.AsyncClient) -> None:
    c = await customer(api, credit_limit="1000.00")
    await invoice(api, c["id"], amount="1000.00")
    paid = await payment(api, c["id"], amount="200.00")
    await invoice(api, c["id"], amount="150.00", due_date="2026-11-30")  # 950 outstanding
    assert await flags(api) == []
    allocation = paid["allocations"][0]["id"]
    ok(await api.delete(f"/v1/payments/{paid['id']}/allocations/{allocation}"))
    (flag,) = await flags(api, kind="credit")
    assert flag["severity"] == "medium"  # 1150 / 1000


async def test_a_dispute_raises_a_flag_that_resolving_the_dispute_resolves(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    bill = await invoice(api, c["id"], external_id="INV-7")
    url = f"/v1/invoices/{bill['id']}"
    ok(await api.post(f"{url}/dispute", json={"reason": "数量不符"}))
    (flag,) = await flags(api, kind="dispute")
    assert flag["subject"] == {"type": "invoice", "id": bill["id"]}
    assert (flag["severity"], flag["rule"], flag["customer_id"]) == ("medium", "dispute", c["id"])
    assert "数量不符" in flag["description"]
    ok(await api.post(f"{url}/resolve-dispute", json={"note": "补发货物"}))
    (flag,) = await flags(api, kind="dispute")
    assert (flag["status"], flag["resolution_note"]) == ("resolved", "补发货物")
    types = [e["type"] for e in await events(db) if e["type"].startswith(("risk", "invoice"))]
    assert types == [
        "invoice.created",
        "invoice.disputed",
        "risk.raised",
        "invoice.updated",
        "risk.resolved",
    ]

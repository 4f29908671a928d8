"""Balance confirmations, legal actions and limitation periods over HTTP (today is
2026-11-27 in Asia/Shanghai)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.collection import flags, interaction
from tests.e2e.receivables import customer, events, invoice, ok, payment

LETTER = [{"url": "https://docs.example.com/催款函-2026-001.pdf", "name": "催款函"}]
MISSING = "0190a4f2-0000-7000-8000-000000000000"


def confirmations(customer_id: str, cid: str = "") -> str:
    return f"/v1/customers/{customer_id}/confirmations" + (f"/{cid}" if cid else "")


async def book(api: httpx.AsyncClient) -> dict[str, Any]:
    """Invoices of 1,000 and 500 CNY, a payment of 1,200 (1,000 + 200 allocated): the net
    position is 300; a USD invoice of 50 stays apart."""
    c = await customer(api, name="华东建设集团")
    first = await invoice(
        api, c["id"], amount="1000.00", issued_on="2026-09-01", due_date="2026-09-30"
    )
    second = await invoice(
        api, c["id"], amount="500.00", issued_on="2026-10-01", due_date="2026-10-31"
    )
    await payment(api, c["id"], amount="1200.00", received_on="2026-11-20")
    dollars = await invoice(api, c["id"], amount="50.00", currency="USD", due_date="2026-10-31")
    return {"customer": c, "first": first, "second": second, "usd": dollars}


async def test_a_confirmation_carries_the_book_balance_and_its_reply(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    b = await book(api)
    cid = b["customer"]["id"]
    sent = ok(await api.post(confirmations(cid), json={"currency": "CNY", "evidence": LETTER}), 201)
    assert (sent["status"], sent["book_balance"], sent["as_of"]) == ("sent", "300.00", "2026-11-27")
    earlier = ok(
        await api.post(confirmations(cid), json={"currency": "CNY", "as_of": "2026-09-15"}), 201
    )
    assert earlier["book_balance"] == "1000.00"  # before the second invoice and the payment
    reply = {"status": "confirmed", "confirmed_balance": "280.00", "confirmed_by": "王会计"}
    confirmed = ok(await api.patch(confirmations(cid, sent["id"]), json=reply))
    assert (confirmed["status"], confirmed["confirmed_balance"], confirmed["difference"]) == (
        "confirmed",
        "280.00",
        "-20.00",
    )
    assert (confirmed["confirmed_on"], confirmed["version"]) == ("2026-11-27", 2)
    assert confirmed["evidence"] == [{**LETTER[0], "sha256": None, "kind": None}]
    raised = await flags(api, customer_id=cid, kind="invoice_error")
    assert [(f["kind"], f["subject"]["type"]) for f in raised] == [("invoice_error", "customer")]
    assert "-20.00 CNY" in raised[0]["description"]
    again = await api.patch(confirmations(cid, sent["id"]), json={"status": "disputed"})
    assert again.status_code == 409
    types = [e["type"] for e in await events(db, "confirmation.")]
    assert types == ["confirmation.sent", "confirmation.sent", "confirmation.confirmed"]
    listed = ok(await api.get(confirmations(cid)))
    assert [c["id"] for c in listed["data"]] == [earlier["id"], sent["id"]]
    assert ok(await api.get(confirmations(cid, sent["id"]))) == confirmed


async def test_no_reply_then_a_matching_confirmation_raises_nothing(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    b = await book(api)
    cid = b["customer"]["id"]
    sent = ok(await api.post(confirmations(cid), json={"currency": "USD"}), 201)
    silent = ok(await api.patch(confirmations(cid, sent["id"]), json={"status": "no_reply"}))
    assert (silent["status"], silent["confirmed_on"]) == ("no_reply", None)
    late = ok(await api.patch(confirmations(cid, sent["id"]), json={"status": "confirmed"}))
    assert (late["confirmed_balance"], late["difference"]) == ("50.00", "0.00")
    assert await flags(api, customer_id=cid, kind="invoice_error") == []
    types = [e["type"] for e in await events(db, "confirmation.")]
    assert types == ["confirmation.sent", "confirmation.updated", "confirmation.confirmed"]


async def test_bad_confirmations(api: httpx.AsyncClient) -> None:
    b = await book(api)
    cid = b["customer"]["id"]
    assert (await api.post(confirmations(cid), json={"currency": "EUR"})).status_code == 422
    assert (await api.post(confirmations(MISSING), json={"currency": "CNY"})).status_code == 404
    future = {"currency": "CNY", "as_of": "2026-12-01"}
    assert (await api.post(confirmations(cid), json=future)).status_code == 422
    bad_link = {"currency": "CNY", "evidence": [{"url": "file:///etc/passwd", "name": "x"}]}
    assert (await api.post(confirmations(cid), json=bad_link)).status_code == 422
    sent = ok(
        await api.post(confirmations(cid), json={"currency": "CNY", "as_of": "2026-11-01"}), 201
    )
    before = {"status": "confirmed", "confirmed_on": "2026-10-31"}
    assert (await api.patch(confirmations(cid, sent["id"]), json=before)).status_code == 422
    odd = {"status": "no_reply", "confirmed_balance": "1.00"}
    assert (await api.patch(confirmations(cid, sent["id"]), json=odd)).status_code == 422
    assert (
        await api.patch(confirmations(cid, MISSING), json={"status": "no_reply"})
    ).status_code == 404


async def test_legal_actions_and_the_limitation_history(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    open_one = await invoice(
        api, c["id"], amount="800.00", issued_on="2024-01-01", due_date="2024-01-31"
    )
    paid = await invoice(
        api, c["id"], amount="100.00", issued_on="2024-01-01", due_date="2024-01-15"
    )
    await payment(
        api,
        c["id"],
        amount="100.00",
        received_on="2024-03-01",
        allocations=[{"invoice_id": paid["id"], "amount": "100.00"}],
    )
    limitation = f"/v1/invoices/{open_one['id']}/limitation"
    plain = ok(await api.get(limitation))
    assert plain["limitation"] == {
        "starts_on": "2024-01-31",
        "expires_on": "2027-01-31",
        "last_interruption": None,
    }
    assert (plain["days_left"], plain["expired"], plain["interruptions"]) == (65, False, [])
    # A phone call, or a letter without evidence, interrupts nothing.
    await interaction(
        api, c["id"], channel="phone", demand=True, occurred_at="2025-01-10T10:00:00+08:00"
    )
    await interaction(
        api, c["id"], channel="letter", demand=True, occurred_at="2025-01-11T10:00:00+08:00"
    )
    assert ok(await api.get(limitation))["interruptions"] == []
    # A customer-level demand by letter with evidence; its day is the local day.
    demand = await interaction(
        api, c["id"], channel="letter", demand=True, evidence=LETTER,
        occurred_at="2025-02-28T17:30:00Z",
    )  # fmt: skip
    assert demand["demand"] is True
    assert demand["evidence"][0]["name"] == "催款函"
    action = {
        "kind": "lawsuit",
        "filed_on": "2026-03-01",
        "court": "上海市浦东新区人民法院",
        "evidence": LETTER,
    }
    filed = ok(await api.post(f"/v1/invoices/{open_one['id']}/legal-actions", json=action), 201)
    assert (filed["kind"], filed["filed_on"]) == ("lawsuit", "2026-03-01")
    got = ok(await api.get(limitation))
    assert got["limitation"] == {
        "starts_on": "2026-03-01",
        "expires_on": "2029-03-01",
        "last_interruption": {"on": "2026-03-01", "kind": "legal_action", "ref": filed["id"]},
    }
    assert [(i["on"], i["kind"]) for i in got["interruptions"]] == [
        ("2025-03-01", "demand"),
        ("2026-03-01", "legal_action"),
    ]
    refused = await api.post(f"/v1/invoices/{paid['id']}/legal-actions", json=action)
    assert refused.status_code == 409
    void = await invoice(
        api, c["id"], amount="10.00", issued_on="2024-01-01", due_date="2024-01-15"
    )
    ok(await api.post(f"/v1/invoices/{void['id']}/void", json={"reason": "开错"}))
    voided = await api.post(f"/v1/invoices/{void['id']}/legal-actions", json=action)
    assert voided.status_code == 409
    paid_view = ok(await api.get(f"/v1/invoices/{paid['id']}/limitation"))
    assert (paid_view["limitation"], paid_view["interruptions"][0]["kind"]) == (None, "payment")
    future = {**action, "filed_on": "2026-12-01"}
    assert (
        await api.post(f"/v1/invoices/{open_one['id']}/legal-actions", json=future)
    ).status_code == 422
    bad = {**action, "evidence": [{"url": "javascript:alert(1)", "name": "x"}]}
    assert (
        await api.post(f"/v1/invoices/{open_one['id']}/legal-actions", json=bad)
    ).status_code == 422
    assert (await api.get(f"/v1/invoices/{MISSING}/limitation")).status_code == 404


async def test_promises_payments_and_confirmations_interrupt(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    cny = await invoice(
        api, c["id"], amount="800.00", issued_on="2024-01-01", due_date="2024-01-31"
    )
    usd = await invoice(
        api, c["id"], amount="90.00", currency="USD", issued_on="2024-01-01", due_date="2024-01-31"
    )
    await payment(
        api,
        c["id"],
        amount="100.00",
        received_on="2024-06-03",
        allocations=[{"invoice_id": cny["id"], "amount": "100.00"}],
    )
    view = ok(await api.get(f"/v1/invoices/{cny['id']}/limitation"))
    assert view["limitation"]["last_interruption"]["kind"] == "payment"
    assert view["limitation"]["expires_on"] == "2027-06-03"
    sent = ok(
        await api.post(confirmations(c["id"]), json={"currency": "USD", "as_of": "2026-01-31"}), 201
    )
    ok(
        await api.patch(
            confirmations(c["id"], sent["id"]),
            json={"status": "confirmed", "confirmed_on": "2026-02-10"},
        )
    )
    dollars = ok(await api.get(f"/v1/invoices/{usd['id']}/limitation"))["limitation"]
    assert (dollars["starts_on"], dollars["last_interruption"]["kind"]) == (
        "2026-02-10",
        "confirmation",
    )
    assert (
        ok(await api.get(f"/v1/invoices/{cny['id']}/limitation"))["limitation"]["starts_on"]
        == "2024-06-03"
    )
    promised = {"amount": "100.00", "currency": "CNY", "promised_date": "2026-12-20"}
    await interaction(api, c["id"], invoice_id=cny["id"], promise=promised)
    after = ok(await api.get(f"/v1/invoices/{cny['id']}/limitation"))["limitation"]
    assert (after["starts_on"], after["last_interruption"]["kind"]) == ("2026-11-27", "promise")


async def test_the_limitation_report(api: httpx.AsyncClient) -> None:
    c = await customer(api, name="北方重工")
    soon = await invoice(
        api, c["id"], external_id="INV-OLD", issued_on="2023-12-01", due_date="2024-01-31"
    )
    await invoice(
        api, c["id"], external_id="INV-GONE", issued_on="2023-01-01", due_date="2023-06-30"
    )
    await invoice(api, c["id"], external_id="INV-NEW")
    report = ok(await api.get("/v1/reports/limitation"))
    assert (report["as_of"], report["within_days"]) == ("2026-11-27", 180)
    lines = [(line["ref"], line["days_left"], line["expired"]) for line in report["lines"]]
    assert lines == [("INV-GONE", -150, True), ("INV-OLD", 65, False)]
    assert report["lines"][1]["id"] == soon["id"]
    other = await customer(api, name="南方建设")
    await invoice(api, other["id"], issued_on="2023-01-01", due_date="2023-06-30")
    mine = ok(await api.get("/v1/reports/limitation", params={"customer_id": c["id"]}))
    assert [line["ref"] for line in mine["lines"]] == ["INV-GONE", "INV-OLD"]
    narrow = ok(await api.get("/v1/reports/limitation", params={"within_days": 30}))
    assert sorted(line["customer_name"] for line in narrow["lines"]) == ["北方重工", "南方建设"]
    later = ok(
        await api.get("/v1/reports/limitation", params={"as_of": "2029-10-01", "within_days": 60})
    )
    assert [line["ref"] for line in later["lines"]][-2:] == ["INV-OLD", "INV-NEW"]
    csv = await api.get("/v1/reports/limitation", headers={"Accept": "text/csv"})
    assert csv.status_code == 200
    assert csv.content.startswith("\ufeff".encode())
    rows = csv.content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("kind,id,customer_id,customer_name,ref,due_date")
    assert rows[-1].split(",")[4:6] == ["INV-OLD", "2024-01-31"]

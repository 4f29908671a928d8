"""Rescheduling installments and changing plans after signing, with their history."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.receivables import contract, customer, events, invoice, ok

UNKNOWN = "01900000-0000-7000-8000-000000000000"


async def test_reschedule_keeps_history_and_emits_installment_rescheduled(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    k = await contract(api, (await customer(api))["id"])
    target = k["installments"][1]
    url = f"/v1/contracts/{k['id']}/installments/{target['id']}"
    moved = await api.post(
        f"{url}/reschedule",
        json={"due_date": "2026-12-31", "reason": "客户验收推迟"},
        headers={"X-Actor": "u-finance-7", "If-Match": '"1"'},
    )
    assert moved.status_code == 200, moved.text
    assert moved.headers["etag"] == '"2"'
    assert (moved.json()["due_date"], moved.json()["overdue"]) == ("2026-12-31", False)
    again = await api.post(
        f"{url}/reschedule", json={"due_date": "2027-01-15", "reason": "再次推迟"}
    )
    assert again.status_code == 200
    history = ok(await api.get(f"{url}/history"))["data"]
    assert [
        (h["kind"], h["from"] and h["from"]["due_date"], h["to"]["due_date"]) for h in history
    ] == [
        ("created", None, "2026-06-30"),
        ("rescheduled", "2026-06-30", "2026-12-31"),
        ("rescheduled", "2026-12-31", "2027-01-15"),
    ]
    assert history[1]["changed_by"] == {"api_key": "bootstrap", "user": "u-finance-7"}
    assert history[1]["reason"] == "客户验收推迟"
    assert history[1]["changed_at"] == "2026-11-27T08:00:00Z"
    rescheduled = await events(db, "installment.rescheduled")
    assert [e["subject"] for e in rescheduled] == [f"installments/{target['id']}"] * 2
    assert rescheduled[0]["data"]["changes"] == {
        "due_date": {"from": "2026-06-30", "to": "2026-12-31"}
    }
    assert rescheduled[0]["data"]["reason"] == "客户验收推迟"
    assert rescheduled[0]["data"]["actor"] == {"api_key": "bootstrap", "user": "u-finance-7"}
    contract_now = ok(await api.get(f"/v1/contracts/{k['id']}"))
    assert contract_now["installments"][1]["due_date"] == "2027-01-15"


async def test_reschedule_refuses_bad_requests(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    k = await contract(api, (await customer(api))["id"])
    base = f"/v1/contracts/{k['id']}/installments"
    first = k["installments"][0]["id"]
    answers = [
        await api.post(
            f"{base}/{first}/reschedule", json={"due_date": "2026-01-01", "reason": "x"}
        ),
        await api.post(
            f"{base}/{first}/reschedule", json={"due_date": "2026-05-01", "reason": " "}
        ),
        await api.post(f"{base}/{first}/reschedule", json={"due_date": "2026-05-01"}),
        await api.post(
            f"{base}/{UNKNOWN}/reschedule", json={"due_date": "2026-05-01", "reason": "x"}
        ),
        await api.post(
            f"/v1/contracts/{UNKNOWN}/installments/{first}/reschedule",
            json={"due_date": "2026-05-01", "reason": "x"},
        ),
        await api.post(
            f"{base}/{first}/reschedule",
            json={"due_date": "2026-05-01", "reason": "x"},
            headers={"If-Match": '"9"'},
        ),
    ]
    assert [a.status_code for a in answers] == [422, 422, 422, 404, 404, 412]
    assert await events(db, "installment.") == []
    assert (await api.get(f"{base}/{UNKNOWN}/history")).status_code == 404


async def test_a_paid_installment_cannot_be_rescheduled(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    k = await contract(api, c["id"])
    first = k["installments"][0]
    await invoice(
        api,
        c["id"],
        installment_id=first["id"],
        amount="300000.00",
        issued_on="2026-01-20",
        due_date="2026-02-01",
    )
    ok(
        await api.post(
            "/v1/payments",
            json={
                "customer_id": c["id"],
                "amount": "300000.00",
                "currency": "CNY",
                "received_on": "2026-02-01",
            },
        ),
        201,
    )
    answer = await api.post(
        f"/v1/contracts/{k['id']}/installments/{first['id']}/reschedule",
        json={"due_date": "2026-05-01", "reason": "x"},
    )
    assert answer.status_code == 409


async def test_plan_change_after_signing_resplits_adds_and_removes(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    k = await contract(api, c["id"])
    signing, delivery, acceptance = k["installments"]
    await invoice(
        api,
        c["id"],
        installment_id=signing["id"],
        amount="300000.00",
        issued_on="2026-01-20",
        due_date="2026-02-01",
    )
    new_plan = [
        {"id": signing["id"], "name": "签约款", "due_date": "2026-02-01", "amount": "300000.00"},
        {"name": "交付款", "due_date": "2026-06-30", "amount": "300000.00"},
        {"name": "上线款", "due_date": "2026-12-31", "amount": "100000.00"},
        {"name": "验收款 (改)", "id": acceptance["id"], "due_date": "2027-03-31", "percent": "30"},
    ]
    changed = ok(
        await api.patch(
            f"/v1/contracts/{k['id']}",
            json={"installments": new_plan, "reason": "增加上线节点"},
            headers={"If-Match": '"1"'},
        )
    )
    assert [(i["name"], i["amount"]) for i in changed["installments"]] == [
        ("签约款", "300000.00"),
        ("交付款", "300000.00"),
        ("上线款", "100000.00"),
        ("验收款 (改)", "300000.00"),
    ]
    assert changed["installments"][1]["id"] == delivery["id"]  # kept by its unchanged name
    assert changed["version"] == 2
    history = ok(await api.get(f"/v1/contracts/{k['id']}/installments/{delivery['id']}/history"))[
        "data"
    ]
    assert [
        (h["kind"], h["from"]["amount"], h["to"]["amount"], h["reason"]) for h in history[1:]
    ] == [("changed", "400000.00", "300000.00", "增加上线节点")]
    added = changed["installments"][2]["id"]
    added_history = ok(await api.get(f"/v1/contracts/{k['id']}/installments/{added}/history"))
    assert [h["kind"] for h in added_history["data"]] == ["added"]
    (event,) = await events(db, "contract.updated")
    assert event["data"]["reason"] == "增加上线节点"
    assert len(event["data"]["changes"]["installments"]["to"]) == 4

    # Removing one: allowed while nothing is invoiced against it.
    fewer = [dict(i) for i in new_plan]
    fewer[1]["amount"] = "400000.00"
    del fewer[2]
    fewer[2]["name"] = "验收款 (改)"
    shrunk = ok(await api.patch(f"/v1/contracts/{k['id']}", json={"installments": fewer}))
    assert len(shrunk["installments"]) == 3
    removed = ok(await api.get(f"/v1/contracts/{k['id']}/installments/{added}/history"))["data"]
    assert [h["kind"] for h in removed] == ["added", "removed"]


async def test_plan_change_leaves_invoiced_installments_as_they_are(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    c = await customer(api)
    k = await contract(api, c["id"])
    signing = k["installments"][0]
    await invoice(
        api,
        c["id"],
        installment_id=signing["id"],
        amount="250000.00",
        issued_on="2026-01-20",
        due_date="2026-02-01",
    )
    below = [
        {"id": signing["id"], "name": "签约款", "due_date": "2026-02-01", "amount": "200000.00"},
        {"name": "交付款", "due_date": "2026-06-30", "amount": "500000.00"},
        {"name": "验收款", "due_date": "2027-03-31", "amount": "300000.00"},
    ]
    answer = await api.patch(f"/v1/contracts/{k['id']}", json={"installments": below})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["loc"] == ["installments", 0, "amount"]
    later = [{**below[0], "amount": signing["amount"], "due_date": "2026-02-02"}, *below[1:]]
    later[1] = {**later[1], "amount": "400000.00"}
    answer = await api.patch(f"/v1/contracts/{k['id']}", json={"installments": later})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["loc"] == ["installments", 0, "due_date"]
    without = [
        {"name": "交付款", "due_date": "2026-06-30", "amount": "700000.00"},
        {"name": "验收款", "due_date": "2027-03-31", "amount": "300000.00"},
    ]
    assert (
        await api.patch(f"/v1/contracts/{k['id']}", json={"installments": without})
    ).status_code == 422
    not_adding_up = [{**below[0], "amount": "250000.00"}, below[1], below[2]]
    assert (
        await api.patch(f"/v1/contracts/{k['id']}", json={"installments": not_adding_up})
    ).status_code == 422
    unchanged = ok(await api.get(f"/v1/contracts/{k['id']}"))
    assert unchanged["version"] == 1
    assert await events(db, "contract.updated") == []


async def test_amount_and_plan_change_together(api: httpx.AsyncClient) -> None:
    k = await contract(api, (await customer(api))["id"])
    plan = [
        {"name": "签约款", "due_date": "2026-02-01", "percent": "50"},
        {"name": "验收款", "due_date": "2027-03-31", "percent": "50"},
    ]
    changed = ok(
        await api.patch(
            f"/v1/contracts/{k['id']}", json={"amount": "1200000.00", "installments": plan}
        )
    )
    assert changed["amount"] == "1200000.00"
    assert [i["amount"] for i in changed["installments"]] == ["600000.00", "600000.00"]

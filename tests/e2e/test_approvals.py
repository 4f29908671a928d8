"""Approvals over HTTP: the policy, 202 and its request, approve/reject/cancel, the action
running on the last approval, failure when it is no longer valid, and X-Actor."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.controls import EVERY_RESCHEDULE, WRITE_OFFS_OVER_10K, decide, person, set_policy
from tests.e2e.org_book import org_book
from tests.e2e.receivables import contract, customer, events, invoice, ok, payment


@pytest.fixture
def api(api: httpx.AsyncClient) -> httpx.AsyncClient:
    """The all-scopes client, acting for a clerk unless a request names someone else."""
    api.headers["X-Actor"] = "u-clerk"
    return api


async def test_the_policy_is_empty_then_versioned(api: httpx.AsyncClient) -> None:
    got = await api.get("/v1/approval-policy")
    assert ok(got) == {"rules": [], "version": 0, "updated_at": None, "updated_by": None}
    assert got.headers["etag"] == '"0"'
    body = await set_policy(api, WRITE_OFFS_OVER_10K)
    assert body["version"] == 1
    assert body["updated_by"] == "u-admin"
    assert body["rules"] == [WRITE_OFFS_OVER_10K]
    stale = await api.put(
        "/v1/approval-policy", json={"rules": []}, headers={"If-Match": '"0"', **person("a")}
    )
    assert stale.status_code == 412


async def test_bad_policies_are_422(api: httpx.AsyncClient) -> None:
    bad = [
        {"action": "invoice.delete", "approvers": ["u1"]},
        {"action": "invoice.hold", "approvers": ["u1", "u2"], "required": 3},
        {"action": "invoice.hold", "approvers": []},
        {"action": "invoice.hold", "approvers": ["u1"], "currency": "CNY"},
        {"action": "invoice.hold", "approvers": ["u1"], "min_amount": "10"},
        {"action": "invoice.hold", "approvers": ["u1"], "min_amount": "1.234", "currency": "CNY"},
        {"action": "invoice.hold", "approvers": ["u1"], "required": 2},
        {"action": "invoice.hold", "approvers": ["org_unit_manager", "u1"]},
    ]
    for rule in bad:
        answer = await api.put("/v1/approval-policy", json={"rules": [rule]}, headers=person("a"))
        assert answer.status_code == 422, (rule, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"


async def test_a_large_write_off_waits_for_approval_then_runs(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    await set_policy(api, WRITE_OFFS_OVER_10K)
    c = await customer(api)
    small = await invoice(api, c["id"], amount="9999.99")
    large = await invoice(api, c["id"], amount="20000.00")
    # Below the threshold: no approval needed.
    done = await api.post(
        f"/v1/invoices/{small['id']}/write-off", json={"reason": "r"}, headers=person("u-ar")
    )
    assert ok(done)["status"] == "written_off"
    asked = await api.post(
        f"/v1/invoices/{large['id']}/write-off", json={"reason": "bankrupt"}, headers=person("u-ar")
    )
    request = ok(asked, 202)
    assert asked.headers["location"] == f"/v1/approval-requests/{request['id']}"
    assert request["status"] == "pending"
    assert request["action"] == "invoice.write_off"
    assert request["subject"] == f"invoices/{large['id']}"
    assert request["amount"] == "20000.00"
    assert request["currency"] == "CNY"
    assert request["requested_by"] == "u-ar"
    assert ok(await api.get(f"/v1/invoices/{large['id']}"))["status"] == "open"
    # Nobody approves their own request; someone not named may not either.
    await decide(api, request["id"], "approve", "u-ar", 403)
    await decide(api, request["id"], "approve", "u-intern", 403)
    approved = await decide(api, request["id"], "approve", "u-cfo")
    assert approved["status"] == "approved"
    assert approved["result"]["status"] == "written_off"
    assert [d["by"] for d in approved["decisions"]] == ["u-cfo"]
    assert ok(await api.get(f"/v1/invoices/{large['id']}"))["status"] == "written_off"
    # Acting on a request that is no longer pending: 409.
    await decide(api, request["id"], "approve", "u-controller", 409)
    types = [e["type"] for e in await events(db, "approval.")]
    assert types == ["approval.requested", "approval.approved"]
    (update,) = [
        e for e in await events(db, "invoice.updated") if e["subject"] == f"invoices/{large['id']}"
    ]
    assert update["data"]["actor"] == {"api_key": "bootstrap", "user": "u-ar"}


async def test_two_approvers_and_a_rejection(api: httpx.AsyncClient) -> None:
    await set_policy(api, {**WRITE_OFFS_OVER_10K, "required": 2})
    c = await customer(api)
    inv = await invoice(api, c["id"], amount="50000.00")
    url = f"/v1/invoices/{inv['id']}/write-off"
    first = ok(await api.post(url, json={"reason": "r"}, headers=person("u-ar")), 202)
    once = await decide(api, first["id"], "approve", "u-cfo")
    assert once["status"] == "pending"
    await decide(api, first["id"], "approve", "u-cfo", 409)  # the same person twice
    twice = await decide(api, first["id"], "approve", "u-controller")
    assert twice["status"] == "approved"
    other = await invoice(api, c["id"], amount="50000.00")
    second = ok(
        await api.post(
            f"/v1/invoices/{other['id']}/write-off", json={"reason": "r"}, headers=person("u-ar")
        ),
        202,
    )
    rejected = await decide(api, second["id"], "reject", "u-controller")
    assert rejected["status"] == "rejected"
    assert ok(await api.get(f"/v1/invoices/{other['id']}"))["status"] == "open"


async def test_an_action_no_longer_valid_fails_and_changes_nothing(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    await set_policy(api, WRITE_OFFS_OVER_10K)
    c = await customer(api)
    inv = await invoice(api, c["id"], amount="20000.00")
    asked = await api.post(
        f"/v1/invoices/{inv['id']}/write-off", json={"reason": "r"}, headers=person("u-ar")
    )
    request = ok(asked, 202)
    await payment(api, c["id"], amount="20000.00")  # the invoice is paid meanwhile
    failed = await decide(api, request["id"], "approve", "u-cfo")
    assert failed["status"] == "failed"
    assert failed["result"]["status"] == 409
    assert ok(await api.get(f"/v1/invoices/{inv['id']}"))["status"] == "paid"
    assert [e["type"] for e in await events(db, "approval.")][-1] == "approval.failed"


async def test_cancel_by_the_requester_only(api: httpx.AsyncClient) -> None:
    await set_policy(api, EVERY_RESCHEDULE)
    c = await customer(api)
    k = await contract(api, c["id"])
    installment = k["installments"][2]
    url = f"/v1/contracts/{k['id']}/installments/{installment['id']}/reschedule"
    body = {"due_date": "2027-06-30", "reason": "client budget"}
    request = ok(await api.post(url, json=body, headers=person("u-pm")), 202)
    assert request["subject"] == f"installments/{installment['id']}"
    assert request["amount"] == installment["outstanding"]
    cancel = f"/v1/approval-requests/{request['id']}/cancel"
    assert (await api.post(cancel, headers=person("u-cfo"))).status_code == 403
    cancelled = ok(await api.post(cancel, headers=person("u-pm")))
    assert cancelled["status"] == "cancelled"
    assert (await api.post(cancel, headers=person("u-pm"))).status_code == 409
    again = ok(await api.post(url, json=body, headers=person("u-pm")), 202)
    approved = await decide(api, again["id"], "approve", "u-cfo")
    assert approved["result"]["due_date"] == "2027-06-30"
    listed = ok(await api.get("/v1/approval-requests?status=approved"))
    assert [r["id"] for r in listed["data"]] == [again["id"]]
    assert ok(await api.get(f"/v1/approval-requests/{request['id']}"))["status"] == "cancelled"


async def test_every_gated_route_answers_202(api: httpx.AsyncClient) -> None:
    actions = [
        "invoice.hold",
        "payment.reverse",
        "allocation.delete",
        "dunning_policy.update",
        "target.update",
    ]
    await set_policy(api, *({"action": a, "approvers": ["u-cfo"]} for a in actions))
    c = await customer(api)
    inv = await invoice(api, c["id"])
    pay = await payment(api, c["id"])
    target = ok(
        await api.post(
            "/v1/targets",
            json={
                "name": "Q4",
                "amount": "100000.00",
                "currency": "CNY",
                "period_start": "2026-10-01",
                "period_end": "2026-12-31",
                "scope": "org",
            },
            headers=person("u-fin"),
        ),
        201,
    )
    allocation = pay["allocations"][0]["id"]
    calls = [
        ("POST", f"/v1/invoices/{inv['id']}/hold", {"reason": "r", "until": "2026-12-31"}),
        ("POST", f"/v1/payments/{pay['id']}/reverse", {"reason": "bounced"}),
        ("DELETE", f"/v1/payments/{pay['id']}/allocations/{allocation}", None),
        ("PUT", "/v1/dunning-policy", {"levels": [{"level": 1, "days_overdue": 5, "action": "x"}]}),
        ("PATCH", f"/v1/targets/{target['id']}", {"amount": "200000.00"}),
    ]
    for (method, url, body), action in zip(calls, actions, strict=True):
        answer = await api.request(method, url, json=body, headers=person("u-fin"))
        assert ok(answer, 202)["action"] == action
    pending = ok(await api.get("/v1/approval-requests?status=pending&limit=2"))
    assert len(pending["data"]) == 2
    assert pending["next_cursor"]
    rest = ok(
        await api.get(f"/v1/approval-requests?status=pending&cursor={pending['next_cursor']}")
    )
    assert len(rest["data"]) == 3
    for request in [*pending["data"], *rest["data"]]:
        assert (await decide(api, request["id"], "approve", "u-cfo"))["status"] == "approved"
    assert ok(await api.get(f"/v1/targets/{target['id']}"))["amount"] == "200000.00"
    assert ok(await api.get("/v1/dunning-policy"))["levels"][0]["days_overdue"] == 5
    assert ok(await api.get(f"/v1/payments/{pay['id']}"))["status"] == "reversed"


async def test_writes_need_x_actor_while_a_policy_is_in_force(api: httpx.AsyncClient) -> None:
    del api.headers["X-Actor"]
    assert (await api.post("/v1/customers", json={"name": "A"})).status_code == 201
    await set_policy(api, EVERY_RESCHEDULE)
    refused = await api.post("/v1/customers", json={"name": "B"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["header", "x-actor"]
    assert (await api.get("/v1/customers")).status_code == 200
    await set_policy(api)  # empty again: no name needed
    assert (await api.post("/v1/customers", json={"name": "C"})).status_code == 201
    named = await api.post("/v1/customers", json={"name": "B"}, headers=person("u1"))
    assert named.status_code == 201


async def test_a_fixed_actor_key_acts_as_its_own_name(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    created = ok(
        await api.post(
            "/v1/admin/api-keys",
            json={"name": "erp-sap", "scopes": ["write"], "fixed_actor": True},
        ),
        201,
    )
    assert created["fixed_actor"] is True
    await set_policy(api, EVERY_RESCHEDULE)
    erp = {"Authorization": f"Bearer {created['secret']}", "X-Actor": "someone-else"}
    made = ok(await api.post("/v1/customers", json={"name": "C"}, headers=erp), 201)
    (event,) = [
        e for e in await events(db, "customer.created") if e["data"]["object"]["id"] == made["id"]
    ]
    assert event["data"]["actor"] == {"api_key": "erp-sap", "user": "erp-sap"}


async def test_a_stale_if_match_opens_no_request(api: httpx.AsyncClient) -> None:
    await set_policy(
        api,
        {"action": "dunning_policy.update", "approvers": ["u-cfo"]},
        {"action": "invoice.write_off", "approvers": ["u-cfo"]},
    )
    levels = {"levels": [{"level": 1, "days_overdue": 5, "action": "x"}]}
    stale = await api.put("/v1/dunning-policy", json=levels, headers={"If-Match": '"9"'})
    assert stale.status_code == 412
    bad = await api.put("/v1/dunning-policy", json={"levels": []})
    assert bad.status_code == 422
    c = await customer(api)
    inv = await invoice(api, c["id"])
    url = f"/v1/invoices/{inv['id']}/write-off"
    assert (
        await api.post(url, json={"reason": "r"}, headers={"If-Match": '"9"'})
    ).status_code == 412
    missing = "/v1/invoices/0191e0a0-0000-7000-8000-000000000000/write-off"
    assert (await api.post(missing, json={"reason": "r"})).status_code == 404
    assert ok(await api.get("/v1/approval-requests"))["data"] == []


async def test_the_manager_of_the_subject_s_unit_approves(api: httpx.AsyncClient) -> None:
    book = await org_book(api)
    contracts = ok(await api.get("/v1/contracts", params={"owner": "u-sh"}))["data"]
    k1 = next(c for c in contracts if c["project_id"] is None)
    (i1,) = ok(await api.get("/v1/invoices", params={"contract_id": k1["id"]}))["data"]
    await set_policy(api, {"action": "invoice.write_off", "approvers": ["org_unit_manager"]})
    asked = await api.post(
        f"/v1/invoices/{i1['id']}/write-off", json={"reason": "r"}, headers=person("u-sh")
    )
    request = ok(asked, 202)
    assert request["approvers"] == ["org_unit_manager"]
    # SH and EAST have no manager: HQ's (u-ceo) approves; anyone else is refused.
    await decide(api, request["id"], "approve", "u-west", 403)
    approved = await decide(api, request["id"], "approve", "u-ceo")
    assert approved["status"] == "approved"
    assert book.units["HQ"]["manager"] == "u-ceo"

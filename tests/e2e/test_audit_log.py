"""The audit trail over HTTP: one entry per change with who, which key, which request and
field-level before/after; filters, cursors, CSV; scopes; secrets never enter it."""

from __future__ import annotations

import csv
import io
import json

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.controls import WRITE_OFFS_OVER_10K, audited, decide, person, set_policy
from tests.e2e.receivables import customer, invoice, ok


async def test_every_change_to_an_invoice_from_its_first_day(api: httpx.AsyncClient) -> None:
    api.headers["X-Actor"] = "u-ar"
    c = await customer(api)
    inv = await invoice(api, c["id"], amount="20000.00", due_date="2026-11-30")
    patched = await api.patch(
        f"/v1/invoices/{inv['id']}",
        json={"due_date": "2026-12-15"},
        headers={"X-Request-ID": "req-patch-1"},
    )
    ok(patched)
    await set_policy(api, WRITE_OFFS_OVER_10K)
    write_off = f"/v1/invoices/{inv['id']}/write-off"
    request = ok(await api.post(write_off, json={"reason": "bankrupt"}), 202)
    await decide(api, request["id"], "approve", "u-cfo")
    await audited(api, 7)
    log = ok(await api.get("/v1/audit-log", params={"subject": f"invoices/{inv['id']}"}))
    entries = log["data"]
    assert [e["action"] for e in entries] == [
        "invoice.created",
        "invoice.updated",
        "invoice.write_off",
    ]
    created, changed, written_off = entries
    assert created["changes"]["amount"] == [None, "20000.00"]
    assert created["actor"] == "u-ar"
    assert created["key_name"] == "bootstrap"
    assert changed["changes"]["due_date"] == ["2026-11-30", "2026-12-15"]
    assert changed["request_id"] == "req-patch-1"
    assert written_off["changes"]["status"] == ["open", "written_off"]
    assert written_off["changes"]["reason"] == [None, "bankrupt"]
    assert written_off["actor"] == "u-ar"  # the requester; the approval names the approver
    approvals = ok(await api.get("/v1/audit-log", params={"action": "approval.approved"}))
    (approval,) = approvals["data"]
    assert approval["actor"] == "u-cfo"
    assert approval["request_id"] == written_off["request_id"]  # one transaction


async def test_filters_cursors_and_csv(api: httpx.AsyncClient) -> None:
    for name in ("A", "B", "C"):
        await api.post("/v1/customers", json={"name": name}, headers=person(f"u-{name}"))
    await audited(api, 3)
    first = ok(await api.get("/v1/audit-log", params={"limit": 2}))
    assert len(first["data"]) == 2
    assert first["next_cursor"]
    rest = ok(await api.get("/v1/audit-log", params={"cursor": first["next_cursor"]}))
    assert [e["actor"] for e in first["data"] + rest["data"]] == ["u-A", "u-B", "u-C"]
    assert rest["next_cursor"] is None
    by_actor = ok(await api.get("/v1/audit-log", params={"actor": "u-B"}))
    assert [e["changes"]["name"][1] for e in by_actor["data"]] == ["B"]
    at = first["data"][0]["at"]
    none_before = ok(await api.get("/v1/audit-log", params={"to": at}))
    assert none_before["data"] == []
    answer = await api.get("/v1/audit-log", headers={"Accept": "text/csv"})
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [r["actor"] for r in rows] == ["u-A", "u-B", "u-C"]
    assert json.loads(rows[0]["changes"])["name"] == [None, "A"]
    bad = await api.get("/v1/audit-log", params={"cursor": "bm9wZQ"})
    assert bad.status_code == 422


async def test_the_audit_scope_reads_it_and_nothing_else(api: httpx.AsyncClient) -> None:
    key = ok(
        await api.post("/v1/admin/api-keys", json={"name": "auditor", "scopes": ["audit"]}), 201
    )
    auditor = {"Authorization": f"Bearer {key['secret']}"}
    assert (await api.get("/v1/audit-log", headers=auditor)).status_code == 200
    assert (await api.get("/v1/customers", headers=auditor)).status_code == 403
    reader = ok(await api.post("/v1/admin/api-keys", json={"name": "r", "scopes": ["read"]}), 201)
    as_reader = {"Authorization": f"Bearer {reader['secret']}"}
    assert (await api.get("/v1/audit-log", headers=as_reader)).status_code == 403


async def test_keys_and_endpoints_are_audited_without_their_secrets(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    api.headers["X-Actor"] = "u-admin"
    endpoint = ok(
        await api.post(
            "/v1/webhook-endpoints",
            json={"url": "https://hooks.example.com/x?token=abc", "event_types": ["*"]},
        ),
        201,
    )
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    ok(await api.patch(path, json={"description": "ERP"}))
    rotated = ok(await api.post(f"{path}/rotate-secret"))
    assert (await api.delete(path)).status_code == 204
    key = ok(await api.post("/v1/admin/api-keys", json={"name": "k", "scopes": ["read"]}), 201)
    ok(await api.post(f"/v1/admin/api-keys/{key['id']}/revoke"))
    await audited(api, 6)
    entries = ok(await api.get("/v1/audit-log"))["data"]
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("webhook_endpoint.created", "u-admin"),
        ("webhook_endpoint.updated", "u-admin"),
        ("webhook_endpoint.secret_rotated", "u-admin"),
        ("webhook_endpoint.deleted", "u-admin"),
        ("api_key.created", "u-admin"),
        ("api_key.revoked", "u-admin"),
    ]
    assert entries[1]["changes"]["description"] == [None, "ERP"]
    assert entries[4]["changes"]["scopes"] == [None, ["read"]]
    assert entries[5]["subject"] == f"api-keys/{key['id']}"
    async with db.connect() as conn:
        dump = (
            await conn.execute(text("SELECT string_agg(changes::text, '') FROM audit_log"))
        ).scalar_one()
    for secret in (endpoint["secret"], rotated["secret"], key["secret"], "token=abc"):
        assert secret not in dump
    assert "key_hash" not in dump
    # None of these reached the outbox: subscribers are not told of them.
    async with db.connect() as conn:
        outbox = (await conn.execute(text("SELECT count(*) FROM outbox_events"))).scalar_one()
    assert outbox == 0


async def test_bad_filters_are_422(api: httpx.AsyncClient) -> None:
    for params in (
        {"from": "2026-12-01T08:00:00"},  # no zone
        {"from": "0001-01-01T00:00:00Z"},
        {"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
        {"limit": "0"},
    ):
        answer = await api.get("/v1/audit-log", params=params)
        assert answer.status_code == 422, (params, answer.text)

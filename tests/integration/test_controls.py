"""Controls on PostgreSQL: exactly-once execution under concurrent approvals, expiry by
two job runs at once, the append-only trigger and the retention job's one way out."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.services.jobs import JobParams
from tests.e2e.controls import WRITE_OFFS_OVER_10K, person, set_policy
from tests.e2e.receivables import customer, events, invoice, ok
from tests.fakes import FixedClock
from tests.integration.jobs import Jobs


async def _scalar(db: AsyncEngine, sql: str) -> Any:
    async with db.connect() as conn:
        return (await conn.execute(text(sql))).scalar_one()


async def _large_write_off(api: httpx.AsyncClient, required: int) -> tuple[str, str]:
    api.headers["X-Actor"] = "u-ar"
    await set_policy(api, {**WRITE_OFFS_OVER_10K, "required": required})
    c = await customer(api)
    inv = await invoice(api, c["id"], amount="20000.00")
    asked = await api.post(f"/v1/invoices/{inv['id']}/write-off", json={"reason": "r"})
    return inv["id"], ok(asked, 202)["id"]


async def _approve(api: httpx.AsyncClient, request_id: str, user: str) -> httpx.Response:
    return await api.post(f"/v1/approval-requests/{request_id}/approve", headers=person(user))


@pytest.mark.parametrize("rounds", range(3))
async def test_two_approvers_at_once_run_the_action_once(
    api: httpx.AsyncClient, db: AsyncEngine, rounds: int
) -> None:
    invoice_id, request_id = await _large_write_off(api, required=1)
    answers = await asyncio.gather(
        _approve(api, request_id, "u-cfo"), _approve(api, request_id, "u-controller")
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    written_off = [
        e
        for e in await events(db, "invoice.updated")
        if e["data"].get("action") == "write_off" and e["subject"] == f"invoices/{invoice_id}"
    ]
    assert len(written_off) == 1
    assert [e["type"] for e in await events(db, "approval.")] == [
        "approval.requested",
        "approval.approved",
    ]
    entries = await _scalar(db, "SELECT count(*) FROM audit_log WHERE action = 'invoice.write_off'")
    assert entries == 1


async def test_the_second_of_two_required_approvals_runs_it_once(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    invoice_id, request_id = await _large_write_off(api, required=2)
    answers = await asyncio.gather(
        _approve(api, request_id, "u-cfo"), _approve(api, request_id, "u-controller")
    )
    assert [a.status_code for a in answers] == [200, 200]
    statuses = sorted(a.json()["status"] for a in answers)
    assert statuses == ["approved", "pending"]
    assert [e["type"] for e in await events(db, "approval.")] == [
        "approval.requested",
        "approval.decided",
        "approval.approved",
    ]
    got = ok(await api.get(f"/v1/invoices/{invoice_id}"))
    assert got["status"] == "written_off"


async def test_expiry_by_two_runs_at_once_expires_each_request_once(
    api: httpx.AsyncClient, db: AsyncEngine, jobs: Jobs, clock: FixedClock
) -> None:
    invoice_id, request_id = await _large_write_off(api, required=1)
    assert (await jobs.run("approval-expiry")).examined == 0  # not yet
    clock.advance(days=7, seconds=1)
    results = await asyncio.gather(jobs.run("approval-expiry"), jobs.run("approval-expiry"))
    assert sum(r.examined for r in results) == 1
    assert ok(await api.get(f"/v1/approval-requests/{request_id}"))["status"] == "expired"
    assert [e["type"] for e in await events(db, "approval.")][-1] == "approval.expired"
    late = await _approve(api, request_id, "u-cfo")
    assert late.status_code == 409
    assert ok(await api.get(f"/v1/invoices/{invoice_id}"))["status"] == "open"


async def test_the_audit_log_refuses_update_delete_and_truncate(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    await api.post("/v1/customers", json={"name": "A"})
    assert await _scalar(db, "SELECT count(*) FROM audit_log") == 1
    for statement in (
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.begin() as conn:
                await conn.execute(text(statement))
    assert await _scalar(db, "SELECT count(*) FROM audit_log") == 1


async def test_retention_deletes_only_what_is_older_and_only_when_set(
    api: httpx.AsyncClient, db: AsyncEngine, jobs: Jobs, clock: FixedClock
) -> None:
    await api.post("/v1/customers", json={"name": "old"})
    clock.advance(days=10)
    await api.post("/v1/customers", json={"name": "new"})
    assert (await jobs.run("audit-retention")).examined == 0  # default 0: forever
    jobs.params = JobParams(batch_size=2, audit_retention_days=5)
    assert (await jobs.run("audit-retention")).examined == 1
    names = await _scalar(db, "SELECT string_agg(changes->'name'->>1, ',') FROM audit_log")
    assert names == "new"
    # The setting is the transaction's own: a later plain DELETE is refused again.
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.begin() as conn:
            await conn.execute(text("DELETE FROM audit_log"))

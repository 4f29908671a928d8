"""Failed authentications: counted by reason on /metrics, logged at most once a second per
client address as a summary, and never with the key that was presented."""

from __future__ import annotations

import logging
import re

import httpx
import pytest
from fastapi import FastAPI

from app.api.app import create_app
from app.api.auth_failures import FailureLog
from app.services.access.api_keys import create_api_key, revoke_api_key
from app.services.platform import IngestPolicy, Platform
from app.services.unit_of_work import in_transaction
from tests.e2e.test_ingest_requests import SECRET

BAD_KEY = "hk_a-key-that-must-never-reach-the-log"


def failures(metrics: str) -> dict[str, float]:
    pattern = r'^huikuan_auth_failures_total\{reason="(\w+)"\} (\S+)$'
    return {m[1]: float(m[2]) for m in re.finditer(pattern, metrics, re.MULTILINE)}


async def test_failures_are_counted_by_reason(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    platform.ingest = IngestPolicy(secret=SECRET)
    reader = await in_transaction(
        platform.uow(), create_api_key, platform.clock, platform.ids, "r", ["read"]
    )
    ingester = await in_transaction(
        platform.uow(), create_api_key, platform.clock, platform.ids, "i", ["ingest"]
    )
    gone = await in_transaction(
        platform.uow(), create_api_key, platform.clock, platform.ids, "g", ["read"]
    )
    await in_transaction(platform.uow(), revoke_api_key, platform.clock, gone.key.id)
    before = failures((await client.get("/metrics")).text)

    def bearer(secret: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {secret}"}

    answers = [
        await client.get("/v1/customers"),
        await client.get("/v1/customers", headers={"Authorization": "Basic dXNlcjpwYXNz"}),
        await client.get("/v1/customers", headers={"Authorization": "Bearer"}),
        await client.get("/v1/customers", headers=bearer(BAD_KEY)),
        await client.get("/v1/customers", headers=bearer(gone.secret)),
        await client.post("/v1/customers", json={"name": "x"}, headers=bearer(reader.secret)),
        await client.post("/v1/ingest/events", json={}, headers=bearer(ingester.secret)),
    ]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 401, 403, 401]
    after = failures((await client.get("/metrics")).text)
    delta = {reason: after[reason] - before.get(reason, 0) for reason in after}
    assert delta == {
        "missing": 1,
        "malformed": 2,
        "unknown": 1,
        "revoked": 1,
        "scope": 1,
        "signature": 1,
        "replay": 0,
    }


@pytest.fixture
def now() -> list[float]:
    return [1000.0]


@pytest.fixture
def app_and_log(platform: Platform, now: list[float]) -> FastAPI:
    """The app, its failure log on a clock the test moves."""
    app = create_app(platform)
    app.state.auth_failures = FailureLog(clock=lambda: now[0])
    return app


def client_from(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://t")


async def test_the_log_is_a_summary_at_most_once_a_second_per_address(
    app_and_log: FastAPI, now: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="huikuan.auth")
    headers = {"Authorization": f"Bearer {BAD_KEY}"}
    async with (
        client_from(app_and_log, "203.0.113.7") as flood,
        client_from(app_and_log, "198.51.100.2") as other,
    ):
        for _ in range(50):
            assert (await flood.get("/v1/customers", headers=headers)).status_code == 401
        now[0] += 0.5
        await flood.get("/v1/invoices")
        assert (await other.get("/v1/customers", headers=headers)).status_code == 401
        lines = [r.getMessage() for r in caplog.records]
        assert lines == [
            "authentication failed (unknown) from 203.0.113.7: GET /v1/customers",
            "authentication failed (unknown) from 198.51.100.2: GET /v1/customers",
        ]
        now[0] += 0.6  # the flood's window has passed: its next failure brings the summary
        await flood.get("/v1/customers", headers=headers)
        await flood.get("/v1/customers", headers=headers)
    lines = [r.getMessage() for r in caplog.records]
    assert lines[2:] == ["50 more failed authentications from 203.0.113.7 in 1 s"]
    summary = caplog.records[2]
    assert summary.failures == {"unknown": 49, "missing": 1}  # type: ignore[attr-defined]
    assert summary.client == "203.0.113.7"  # type: ignore[attr-defined]
    assert BAD_KEY not in caplog.text
    assert "a-key-that-must-never" not in caplog.text

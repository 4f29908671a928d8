"""Ingestion requests: signatures, scopes, bodies that cannot be read, limits, metrics."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from app.api.app import create_app
from app.services.access.api_keys import create_api_key
from app.services.platform import IngestPolicy, Platform
from app.services.unit_of_work import in_transaction
from tests.e2e.ingest_http import URL, ingest, post_events
from tests.e2e.receivables import ok
from tests.ingest_events import customer, event

SECRET = "whsec_" + base64.b64encode(b"ingest-secret-for-the-tests-0001").decode()


def signed_headers(body: bytes, secret: str = SECRET, at: datetime | None = None) -> dict[str, str]:
    moment = at or datetime.now(UTC)
    return {
        "Content-Type": "application/json",
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign("msg_1", moment, body.decode()),
    }


async def test_with_a_secret_requests_must_be_signed(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    platform.ingest = IngestPolicy(secret=SECRET)
    body = json.dumps(event("customer.upserted", customer())).encode()
    good = await api.post(URL, content=body, headers=signed_headers(body))
    assert ok(good)["results"][0]["status"] == "accepted"
    other = "whsec_" + base64.b64encode(b"not-the-secret-the-service-holds").decode()
    stale_at = datetime.now(UTC) - timedelta(minutes=6)
    refused = {
        "missing": {"Content-Type": "application/json"},
        "forged": signed_headers(body, other),
        "stale": signed_headers(body, at=stale_at),
    }
    for name, headers in refused.items():
        response = await api.post(URL, content=body, headers=headers)
        assert response.status_code == 401, name
        assert response.headers["content-type"] == "application/problem+json"
    altered = body.replace(b"C-1", b"C-2")
    assert (await api.post(URL, content=altered, headers=signed_headers(body))).status_code == 401


async def test_without_a_secret_the_key_is_enough(api: httpx.AsyncClient) -> None:
    assert await ingest(api, event("customer.upserted", customer())) == ["accepted"]


async def test_scopes(
    api: httpx.AsyncClient, client: httpx.AsyncClient, platform: Platform
) -> None:
    keys = {}
    for scopes in (["ingest"], ["read"], ["write"]):
        made = await in_transaction(
            platform.uow(), create_api_key, platform.clock, platform.ids, "k", scopes
        )
        keys[scopes[0]] = {"Authorization": f"Bearer {made.secret}"}
    body = json.dumps(event("customer.upserted", customer())).encode()
    headers = {"Content-Type": "application/json"}
    assert (
        await client.post(URL, content=body, headers={**headers, **keys["ingest"]})
    ).status_code == 200
    assert (
        await client.post(URL, content=body, headers={**headers, **keys["write"]})
    ).status_code == 403
    assert (await client.get(URL, headers=keys["ingest"])).status_code == 200
    assert (await client.get(URL, headers=keys["read"])).status_code == 200
    assert (await client.get(URL, headers=keys["write"])).status_code == 403


async def test_bodies_that_cannot_be_read_are_answered_whole(api: httpx.AsyncClient) -> None:
    broken = await api.post(URL, content=b"{oops", headers={"Content-Type": "application/json"})
    assert (broken.status_code, broken.json()["type"]) == (
        400,
        "urn:huikuan:problem:malformed-json",
    )
    xml = await api.post(URL, content=b"<event/>", headers={"Content-Type": "application/xml"})
    assert xml.status_code == 415
    bodies: list[object] = [{"events": []}, "text", {"events": [], "extra": 1}]
    for body in bodies:
        response = await post_events(api, body)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"


async def test_a_batch_over_the_limit_is_422_with_a_clear_problem(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    platform.ingest = IngestPolicy(max_events=5)
    batch = {"events": [event("customer.upserted", customer(f"C-{n}")) for n in range(6)]}
    response = await post_events(api, batch)
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"] == (
        "a batch holds at most 5 events; this one has 6: split it into several requests"
    )
    assert problem["errors"][0]["loc"] == ["body", "events"]


@pytest.fixture
async def small_client(platform: Platform, admin_secret: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(platform, max_body_bytes=2048, ingest_max_body_bytes=4096)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {admin_secret}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        yield c


async def test_the_ingest_route_has_its_own_body_limit(small_client: httpx.AsyncClient) -> None:
    batch = {"events": [event("customer.upserted", customer(f"C-{n}")) for n in range(12)]}
    size = len(json.dumps(batch))
    assert 2048 < size < 4096
    assert (await post_events(small_client, batch)).status_code == 200
    too_big = {"events": [event("customer.upserted", customer(f"C-{n}")) for n in range(40)]}
    response = await post_events(small_client, too_big)
    assert response.status_code == 413
    assert "4096 bytes" in response.json()["detail"]
    other = await small_client.post("/v1/customers", json={"name": "x" * 3000, "currency": "CNY"})
    assert other.status_code == 413


async def test_outcomes_are_counted_by_type(api: httpx.AsyncClient) -> None:
    first = event("customer.upserted", customer("C-M"))
    await ingest(api, [first, first, {"id": "bad", "source": "s", "type": "x"}])
    await ingest(
        api,
        event(
            "invoice.issued",
            {
                "external_id": "FP-M",
                "customer_external_id": "C-?",
                "amount": "1",
                "currency": "CNY",
                "issued_on": "2026-01-01",
                "due_date": "2026-01-02",
            },
        ),
    )
    metrics = (await api.get("/metrics")).text
    for line in (
        'huikuan_ingest_events_total{outcome="accepted",type="customer.upserted"}',
        'huikuan_ingest_events_total{outcome="duplicate",type="customer.upserted"}',
        'huikuan_ingest_events_total{outcome="rejected",type="unknown"}',
        'huikuan_ingest_events_total{outcome="parked",type="invoice.issued"}',
    ):
        assert line in metrics, line

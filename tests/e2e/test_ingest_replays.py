"""Signed ingestion (HUIKUAN_INGEST_SECRET): within the signature tolerance a webhook-id
stands for one body. The same body again is an idempotent duplicate; another body with the
same id is refused (401) and changes nothing, on whichever replica it arrives."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from standardwebhooks.webhooks import Webhook

from app.adapters.db.engine import create_engine
from app.adapters.db.uow import SqlUnitOfWorkFactory
from app.adapters.ids import Uuid7Generator
from app.api.app import create_app
from app.services.platform import IngestPolicy, Platform
from app.services.reactions import REACTIONS
from tests.e2e.ingest_http import URL, listed
from tests.e2e.test_auth_failures import failures
from tests.ingest_events import customer, event

SECRET = "whsec_" + "cmVwbGF5LXNlY3JldC1mb3ItdGhlLXRlc3RzLTAwMDE="


def signed(message_id: str, document: Any) -> tuple[bytes, dict[str, str]]:
    """A body and the Standard Webhooks headers signing it, as a sender makes them."""
    body = json.dumps(document).encode()
    now = datetime.now(UTC)
    return body, {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(SECRET).sign(message_id, now, body.decode()),
    }


async def send(client: httpx.AsyncClient, message_id: str, document: Any) -> httpx.Response:
    body, headers = signed(message_id, document)
    return await client.post(URL, content=body, headers=headers)


def statuses(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [result["status"] for result in response.json()["results"]]


@pytest.fixture
def signing(platform: Platform) -> Platform:
    platform.ingest = IngestPolicy(secret=SECRET)
    return platform


async def test_the_same_body_again_is_a_duplicate_another_body_is_refused(
    api: httpx.AsyncClient, signing: Platform
) -> None:
    first = event("customer.upserted", customer("C-1"))
    assert statuses(await send(api, "msg_a", first)) == ["accepted"]
    assert statuses(await send(api, "msg_a", first)) == ["duplicate"]
    before = failures((await api.get("/metrics")).text).get("replay", 0)

    other = event("customer.upserted", customer("C-2"))
    refused = await send(api, "msg_a", other)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert "webhook-id" in refused.json()["detail"]
    assert failures((await api.get("/metrics")).text)["replay"] == before + 1
    # Nothing of the refused request was kept: not its event, not its customer.
    assert [e["event_id"] for e in await listed(api)] == [first["id"]]
    assert (await api.get("/v1/customers", params={"external_id": "C-2"})).json()["data"] == []
    # With an id of its own, the same body is accepted.
    assert statuses(await send(api, "msg_b", other)) == ["accepted"]


async def test_an_id_seen_longer_ago_than_the_tolerance_may_sign_another_body(
    api: httpx.AsyncClient, signing: Platform, db: AsyncEngine
) -> None:
    assert statuses(await send(api, "msg_old", event("customer.upserted", customer("C-1"))))
    async with db.begin() as conn:
        await conn.execute(
            text(
                "UPDATE idempotency_keys SET created_at = now() - interval '301 seconds' "
                "WHERE scope = 'webhook-id' AND key = 'msg_old'"
            )
        )
    later = event("customer.upserted", customer("C-2"))
    assert statuses(await send(api, "msg_old", later)) == ["accepted"]
    # It now stands for the new body.
    assert (
        await send(api, "msg_old", event("customer.upserted", customer("C-3")))
    ).status_code == 401


async def test_an_unusable_webhook_id_is_refused(api: httpx.AsyncClient, signing: Platform) -> None:
    document = event("customer.upserted", customer())
    for message_id in ("m" * 257, "msg\xe9", "msg\x01"):
        body, headers = signed(message_id, document)  # validly signed, but not storable
        sent = {k.encode(): v.encode() for k, v in headers.items()}
        sent[b"webhook-id"] = message_id.encode("latin-1")
        response = await api.post(URL, content=body, headers=sent)
        assert response.status_code == 401, message_id
        assert "webhook-id must be" in response.json()["detail"]


@pytest.fixture
async def replica(signing: Platform, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A second replica: its own engine and app on the same database."""
    engine = create_engine(database_url, pool_size=4)
    other = Platform(
        uow=SqlUnitOfWorkFactory(engine, REACTIONS),
        clock=signing.clock,
        ids=Uuid7Generator(),
        idempotency=signing.idempotency,
        readiness=signing.readiness,
        ingest=signing.ingest,
    )
    transport = httpx.ASGITransport(app=create_app(other))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://replica") as client:
            yield client
    finally:
        await engine.dispose()


async def test_replicas_share_what_they_have_seen(
    api: httpx.AsyncClient, replica: httpx.AsyncClient, admin_secret: str
) -> None:
    replica.headers["Authorization"] = f"Bearer {admin_secret}"
    assert statuses(await send(api, "msg_1", event("customer.upserted", customer("C-1"))))
    refused = await send(replica, "msg_1", event("customer.upserted", customer("C-2")))
    assert refused.status_code == 401
    # Racing: two bodies under one id at once, one on each replica; exactly one gets in.
    for n in range(5):
        bodies = [event("customer.upserted", customer(f"R{n}-{side}")) for side in "ab"]
        answers = await asyncio.gather(
            send(api, f"race_{n}", bodies[0]), send(replica, f"race_{n}", bodies[1])
        )
        assert sorted(a.status_code for a in answers) == [200, 401], n
    customers = (await api.get("/v1/customers", params={"limit": 100})).json()["data"]
    assert len(customers) == 1 + 5

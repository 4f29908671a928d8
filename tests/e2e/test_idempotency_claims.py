"""An Idempotency-Key is claimed only once the request reaches its handler: authorised,
routed, its body read and valid. Nothing is stored for any other request, and its repeat
is answered afresh, never `Idempotent-Replayed`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.access.idempotency import SqlIdempotencyStore
from app.api.app import create_app
from app.api.idempotency import CLAIMS
from app.api.intake.ingest import RequestOnlyRoute
from app.domain.access.idempotency import IdempotencyRecord
from app.services.access.api_keys import create_api_key
from app.services.platform import IngestPolicy, Platform
from app.services.unit_of_work import in_transaction
from tests.e2e.ingest_http import URL
from tests.e2e.receivables import customer, invoice
from tests.e2e.test_ingest_requests import SECRET
from tests.ingest_events import customer as customer_data
from tests.ingest_events import event

JSON = {"Content-Type": "application/json"}
BODY = json.dumps({"name": "杭州甲方", "currency": "CNY"}).encode()
ESCAPE_IN_NAME = json.dumps({"name": "杭州\x1b甲方", "currency": "CNY"}).encode()


class WatchedStore(SqlIdempotencyStore):
    """The real store, noting each claim: a claim released afterwards (as a 401's was)
    leaves no row, but it was still a write made before the caller was known."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.claimed: list[str] = []

    async def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        self.claimed.append(record.key)
        return await super().claim(record)


@pytest.fixture
def store(platform: Platform, db: AsyncEngine) -> WatchedStore:
    watched = WatchedStore(db)
    platform.idempotency = watched
    return watched


async def stored_keys(db: AsyncEngine) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM idempotency_keys"))).scalar_one())


@dataclass(frozen=True)
class Refused:
    name: str
    path: str
    status: int
    body: bytes = BODY
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))
    key: str | None = "admin"  # which API key sends it: admin, read, a wrong one, or none


REFUSED = [
    Refused("no key, unknown route", "/v1/nothing-here", 404, key=None),
    Refused("unknown route", "/v1/nothing-here", 404),
    Refused("no key", "/v1/customers", 401, key=None),
    Refused("unknown key", "/v1/customers", 401, key="wrong"),
    Refused("lacking scope", "/v1/customers", 403, key="read"),
    Refused("wrong method", "/v1/reports/aging", 405),
    Refused("wrong method, no key", "/v1/reports/aging", 405, key=None),
    Refused("malformed JSON", "/v1/customers", 400, body=b"{name: A}"),
    Refused("UTF-16", "/v1/customers", 400, body=BODY.decode().encode("utf-16")),
    Refused("not JSON", "/v1/customers", 415, headers={"Content-Type": "text/plain"}),
    Refused("too large", "/v1/customers", 413, body=b'{"name": "' + b"x" * 2_000_000 + b'"}'),
    Refused("schema 422", "/v1/customers", 422, body=b'{"name": ""}'),
    Refused("control character", "/v1/customers", 422, body=ESCAPE_IN_NAME),
    Refused("malformed path id", "/v1/invoices/not-a-uuid/void", 404, body=b'{"reason": "x"}'),
    Refused("bad X-Actor", "/v1/customers", 422, headers={**JSON, "X-Actor": " "}),
    Refused("ingest without a key", URL, 401, key=None),
    Refused("ingest with a read key", URL, 403, key="read"),
    Refused("ingest malformed JSON", URL, 400, body=b"[{"),
    Refused("ingest in UTF-32", URL, 400, body=b'{"events": []}'.decode().encode("utf-32")),
    Refused("ingest empty batch", URL, 422, body=b'{"events": []}'),
]


def test_every_post_route_claims_its_key_at_its_handler() -> None:
    """A new POST route claims like the others; ingestion and imports claim in their bodies."""
    checked = 0
    for context in iter_route_contexts(create_app().routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or "POST" not in (context.methods or ()):
            continue
        checked += 1
        assert isinstance(route, RequestOnlyRoute) or getattr(route.endpoint, CLAIMS), context.path
    assert checked >= 25


@pytest.fixture
async def keys(platform: Platform, admin_secret: str) -> dict[str, str]:
    read = await in_transaction(
        platform.uow(), create_api_key, platform.clock, platform.ids, "r", ["read"]
    )
    return {"admin": admin_secret, "read": read.secret, "wrong": "hk_not-a-key"}


@pytest.mark.parametrize("refused", REFUSED, ids=[r.name for r in REFUSED])
async def test_a_request_that_never_reaches_a_handler_stores_no_key(
    client: httpx.AsyncClient,
    db: AsyncEngine,
    store: WatchedStore,
    keys: dict[str, str],
    refused: Refused,
) -> None:
    headers = {**refused.headers, "Idempotency-Key": f"k-{refused.name}"}
    if refused.key is not None:
        headers["Authorization"] = f"Bearer {keys[refused.key]}"
    for _ in range(2):
        response = await client.post(refused.path, content=refused.body, headers=headers)
        assert response.status_code == refused.status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "idempotent-replayed" not in response.headers
        assert await stored_keys(db) == 0
    assert store.claimed == []


async def test_an_unsigned_ingestion_stores_no_key(
    api: httpx.AsyncClient, db: AsyncEngine, platform: Platform, store: WatchedStore
) -> None:
    platform.ingest = IngestPolicy(secret=SECRET)
    body = json.dumps(event("customer.upserted", customer_data())).encode()
    for _ in range(2):
        response = await api.post(URL, content=body, headers={**JSON, "Idempotency-Key": "i"})
        assert response.status_code == 401
        assert "idempotent-replayed" not in response.headers
    assert await stored_keys(db) == 0
    assert store.claimed == []


async def test_an_authorised_post_still_replays(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    headers = {**JSON, "Idempotency-Key": "order-1"}
    first = await api.post("/v1/customers", content=BODY, headers=headers)
    again = await api.post("/v1/customers", content=BODY, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert await stored_keys(db) == 1
    other = await api.post("/v1/customers", content=BODY.replace(b"CNY", b"USD"), headers=headers)
    assert other.status_code == 422
    assert other.json()["type"] == "urn:huikuan:problem:idempotency-key-reused"
    assert await stored_keys(db) == 1


async def test_a_handlers_answers_are_replayed_on_every_kind_of_route(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    made = await customer(api)
    bill = await invoice(api, made["id"])
    void = f"/v1/invoices/{bill['id']}/void"
    for path, body in ((void, {"reason": "作废"}), ("/v1/invoices/" + made["id"] + "/void", {})):
        headers = {"Idempotency-Key": f"k-{path}"}
        first = await api.post(path, json=body, headers=headers)
        again = await api.post(path, json=body, headers=headers)
        assert first.status_code == again.status_code  # 200, then 404 for an unknown id
        assert again.headers["idempotent-replayed"] == "true"
    ingest_body = json.dumps(event("customer.upserted", customer_data("C-9"))).encode()
    headers = {**JSON, "Idempotency-Key": "ingest-1"}
    first = await api.post(URL, content=ingest_body, headers=headers)
    again = await api.post(URL, content=ingest_body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json()["results"][0]["status"] == "accepted"
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await stored_keys(db) == 3

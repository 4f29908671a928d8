"""Shared conventions over HTTP: idempotency, If-Match, pagination, actor, request id."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.customers.models import customers


async def customer_count(db: AsyncEngine) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(customers))).scalar() or 0)


BODY = {"name": "杭州甲方", "currency": "CNY"}


async def test_same_key_same_body_replays_the_first_response(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    headers = {"Idempotency-Key": "order-1"}
    first = await api.post("/v1/customers", json=BODY, headers=headers)
    second = await api.post("/v1/customers", json=BODY, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["location"] == first.headers["location"]
    assert "idempotent-replayed" not in first.headers
    assert await customer_count(db) == 1


async def test_same_key_other_body_is_422(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    headers = {"Idempotency-Key": "order-2"}
    assert (await api.post("/v1/customers", json=BODY, headers=headers)).status_code == 201
    other = await api.post("/v1/customers", json={**BODY, "name": "x"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["type"] == "urn:huikuan:problem:idempotency-key-reused"
    assert await customer_count(db) == 1


async def test_keys_are_scoped_per_api_key(
    api: httpx.AsyncClient, client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    other = await api.post("/v1/admin/api-keys", json={"name": "other", "scopes": ["write"]})
    headers = {"Idempotency-Key": "shared"}
    assert (await api.post("/v1/customers", json=BODY, headers=headers)).status_code == 201
    second = await client.post(
        "/v1/customers",
        json=BODY,
        headers={**headers, "Authorization": f"Bearer {other.json()['secret']}"},
    )
    assert second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert await customer_count(db) == 2


async def test_concurrent_requests_with_one_key_create_one_customer(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    headers = {"Idempotency-Key": "race"}
    responses = await asyncio.gather(
        *(api.post("/v1/customers", json=BODY, headers=headers) for _ in range(8))
    )
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    for response in responses:
        if response.status_code == 409:
            assert response.json()["type"] == "urn:huikuan:problem:idempotency-key-in-flight"
    assert await customer_count(db) == 1


async def test_a_failed_request_does_not_burn_the_key(api: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "retry-me"}
    unauthenticated = await api.post(
        "/v1/customers", json=BODY, headers={**headers, "Authorization": "Bearer nope"}
    )
    assert unauthenticated.status_code == 401
    duplicate = await api.post("/v1/customers", json={**BODY, "external_id": "E"})
    assert duplicate.status_code == 201
    conflict = await api.post("/v1/customers", json={**BODY, "external_id": "E"}, headers=headers)
    assert conflict.status_code == 409
    fixed = await api.post("/v1/customers", json={**BODY, "external_id": "E"}, headers=headers)
    assert fixed.status_code == 409  # retried, not replayed: 409s are never stored
    assert "idempotent-replayed" not in fixed.headers


async def test_a_handlers_validation_error_is_replayed_like_any_final_answer(
    api: httpx.AsyncClient,
) -> None:
    """The use case refused it (more decimals than CNY has): a final answer, replayed.
    A body the schema refuses never reaches the handler and is not stored (see
    test_idempotency_claims.py)."""
    headers = {"Idempotency-Key": "bad"}
    body = {**BODY, "credit_limit": "1.001"}
    first = await api.post("/v1/customers", json=body, headers=headers)
    again = await api.post("/v1/customers", json=body, headers=headers)
    assert first.status_code == again.status_code == 422
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == "application/problem+json"


async def test_stale_if_match_is_412_and_changes_nothing(api: httpx.AsyncClient) -> None:
    created = (await api.post("/v1/customers", json=BODY)).json()
    url = f"/v1/customers/{created['id']}"
    first = await api.patch(url, json={"name": "新名字"}, headers={"If-Match": '"1"'})
    assert first.status_code == 200
    assert first.headers["etag"] == '"2"'
    stale = await api.patch(url, json={"name": "旧的"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["type"] == "urn:huikuan:problem:stale-version"
    assert (
        await api.patch(url, json={"name": "x"}, headers={"If-Match": "junk"})
    ).status_code == 412
    assert (await api.get(url)).json()["name"] == "新名字"


async def test_concurrent_patches_at_one_version_let_exactly_one_win(
    api: httpx.AsyncClient,
) -> None:
    created = (await api.post("/v1/customers", json=BODY)).json()
    url = f"/v1/customers/{created['id']}"
    responses = await asyncio.gather(
        *(api.patch(url, json={"name": f"n{i}"}, headers={"If-Match": '"1"'}) for i in range(6))
    )
    assert sorted(r.status_code for r in responses) == [200] + [412] * 5


async def test_patch_clears_optional_fields_and_refuses_nulling_required_ones(
    api: httpx.AsyncClient,
) -> None:
    created = (await api.post("/v1/customers", json={**BODY, "credit_rating": "A"})).json()
    url = f"/v1/customers/{created['id']}"
    cleared = await api.patch(url, json={"credit_rating": None})
    assert cleared.json()["credit_rating"] is None
    assert (await api.patch(url, json={"name": None})).status_code == 422


async def test_duplicate_external_id_is_409(api: httpx.AsyncClient) -> None:
    assert (await api.post("/v1/customers", json={**BODY, "external_id": "K1"})).status_code == 201
    again = await api.post("/v1/customers", json={**BODY, "external_id": "K1"})
    assert again.status_code == 409
    assert again.json()["type"] == "urn:huikuan:problem:duplicate-external-id"
    other = (await api.post("/v1/customers", json={**BODY, "external_id": "K2"})).json()
    clash = await api.patch(f"/v1/customers/{other['id']}", json={"external_id": "K1"})
    assert clash.status_code == 409


async def test_lists_page_through_everything_in_a_stable_order(api: httpx.AsyncClient) -> None:
    made = [
        (await api.post("/v1/customers", json={**BODY, "name": f"客户{i}"})).json()["id"]
        for i in range(7)
    ]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get("/v1/customers", params=params)).json()
        seen.extend(c["id"] for c in page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made


async def test_filters_by_external_id_and_name(api: httpx.AsyncClient) -> None:
    await api.post("/v1/customers", json={"name": "北京甲", "currency": "CNY", "external_id": "B1"})
    await api.post("/v1/customers", json={"name": "上海乙", "currency": "CNY", "external_id": "S1"})
    by_ext = (await api.get("/v1/customers", params={"external_id": "S1"})).json()["data"]
    assert [c["name"] for c in by_ext] == ["上海乙"]
    by_name = (await api.get("/v1/customers", params={"q": "北京"})).json()["data"]
    assert [c["external_id"] for c in by_name] == ["B1"]
    assert (await api.get("/v1/customers", params={"q": "%"})).json()["data"] == []


async def test_x_actor_is_recorded_in_the_event(api: httpx.AsyncClient, db: AsyncEngine) -> None:
    await api.post("/v1/customers", json=BODY, headers={"X-Actor": "u-zhang.san"})
    async with db.connect() as conn:
        actor = (await conn.execute(text("SELECT data->'actor' FROM outbox_events"))).scalar()
    assert actor == {"api_key": "bootstrap", "user": "u-zhang.san"}


async def test_request_id_is_honoured_and_echoed(api: httpx.AsyncClient) -> None:
    given = await api.get("/v1/customers", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await api.get("/v1/customers", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"
    assert len(made.headers["x-request-id"]) == 32


async def test_answers_carrying_a_secret_are_never_stored_for_replay(
    api: httpx.AsyncClient, db: AsyncEngine
) -> None:
    headers = {"Idempotency-Key": "new-key"}
    body = {"name": "erp", "scopes": ["ingest"]}
    first = await api.post("/v1/admin/api-keys", json=body, headers=headers)
    assert first.status_code == 201
    assert first.headers["cache-control"] == "no-store"
    secret = first.json()["secret"]
    async with db.connect() as conn:
        stored = (await conn.execute(text("SELECT response_body FROM idempotency_keys"))).scalar()
    assert stored is not None
    assert secret.encode() not in bytes(stored)
    again = await api.post("/v1/admin/api-keys", json=body, headers=headers)
    assert again.status_code == 409
    assert again.json()["type"] == "urn:huikuan:problem:idempotent-response-withheld"
    assert secret not in again.text
    listed = (await api.get("/v1/admin/api-keys")).json()["data"]
    assert [k["name"] for k in listed].count("erp") == 1

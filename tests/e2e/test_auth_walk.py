"""Every route but the ops ones and the docs refuses a missing key (401) and a key
that lacks the route's scope (403). The walk reads the routes from the app itself, so a
new route is covered the moment it exists."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from app.api.app import create_app
from app.domain.access.api_keys import Scope
from app.services.access.api_keys import create_api_key
from app.services.platform import Platform
from app.services.unit_of_work import in_transaction

PUBLIC = {"/healthz", "/readyz", "/metrics"}


def operations() -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, path, scopes: any of them will do) for every operation in the document."""
    found = []
    for path, item in create_app().openapi()["paths"].items():
        for method, operation in item.items():
            security = operation.get("security")
            if path in PUBLIC:
                assert not security, f"{path} must not need a key"
                continue
            assert security, f"{method.upper()} {path} declares no security"
            (requirement,) = security
            (scopes,) = requirement.values()
            assert scopes, f"{method.upper()} {path} names no scope"
            found.append((method.upper(), path, tuple(scopes)))
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


def test_every_app_route_is_in_the_openapi_walk() -> None:
    app = create_app()
    routes = {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        for method in context.methods or ()
    }
    walked = {(m, p) for m, p, _ in operations()} | {("GET", p) for p in PUBLIC}
    assert routes == walked


@pytest.fixture
async def keys_lacking(platform: Platform) -> dict[tuple[str, ...], str]:
    """For each set of scopes a route accepts, a key holding every other scope."""
    lacking = {}
    for scopes in {scopes for _, _, scopes in operations()}:
        others = [s.value for s in Scope if s.value not in scopes]
        made = await in_transaction(
            platform.uow(), create_api_key, platform.clock, platform.ids, "w", others
        )
        lacking[scopes] = made.secret
    return lacking


async def test_every_route_needs_a_key_and_its_scope(
    client: httpx.AsyncClient, keys_lacking: dict[tuple[str, ...], str]
) -> None:
    checked = 0
    for method, path, scopes in operations():
        kwargs: dict[str, Any] = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
        url = concrete(path)
        anonymous = await client.request(method, url, **kwargs)
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        assert anonymous.headers["www-authenticate"] == "Bearer"
        assert anonymous.headers["content-type"] == "application/problem+json"
        wrong = await client.request(
            method, url, headers={"Authorization": "Bearer hk_not-a-key"}, **kwargs
        )
        assert wrong.status_code == 401, (method, path)
        lacking = await client.request(
            method, url, headers={"Authorization": f"Bearer {keys_lacking[scopes]}"}, **kwargs
        )
        assert lacking.status_code == 403, (method, path, lacking.text)
        checked += 1
    assert checked >= 6


async def test_public_routes_answer_without_a_key(client: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/readyz", "/metrics", "/docs", "/openapi.json"):
        response = await client.get(path)
        assert response.status_code == 200, path

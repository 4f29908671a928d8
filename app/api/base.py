"""Router factory: every router reads JSON with exact decimals, claims a POST's
Idempotency-Key when the request reaches its endpoint, and documents its problems."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.errors import problem_responses
from app.api.idempotency import Endpoint, claiming
from app.api.json_body import DecimalJSONRoute

AUTH_PROBLEMS = (401, 403, 422)


class ResourceRoute(DecimalJSONRoute):
    """A POST endpoint claims the request's Idempotency-Key before it runs: after the key
    check, the route match and the body's validation (``app/api/idempotency.py``)."""

    def __init__(self, path: str, endpoint: Endpoint, **options: Any) -> None:
        methods = {m.upper() for m in options.get("methods") or ()}
        super().__init__(path, claiming(endpoint) if "POST" in methods else endpoint, **options)


def resource_router(prefix: str, tag: str) -> APIRouter:
    return APIRouter(
        prefix=prefix,
        tags=[tag],
        route_class=ResourceRoute,
        responses=problem_responses(*AUTH_PROBLEMS),
    )

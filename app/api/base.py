"""Router factory: every router reads JSON with exact decimals and documents its problems."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.errors import problem_responses
from app.api.json_body import DecimalJSONRoute

AUTH_PROBLEMS = (401, 403, 422)


def resource_router(prefix: str, tag: str) -> APIRouter:
    return APIRouter(
        prefix=prefix,
        tags=[tag],
        route_class=DecimalJSONRoute,
        responses=problem_responses(*AUTH_PROBLEMS),
    )

"""/healthz, /readyz and /metrics: for ops, no key needed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.api.deps import PlatformDep
from app.api.json_body import DecimalJSONRoute

router = APIRouter(tags=["ops"], route_class=DecimalJSONRoute)


@router.get("/healthz", summary="Is the process alive")
async def get_health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Can the service serve: database reachable and migrations current",
    responses={503: {"description": "Not ready; `problems` says why"}},
)
async def get_readiness(platform: PlatformDep) -> Any:
    problems = await platform.readiness.problems()
    if problems:
        return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
    return {"status": "ok"}


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
async def get_metrics(platform: PlatformDep) -> Response:
    for refresh in platform.metric_refreshers:
        await refresh()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

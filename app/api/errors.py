"""RFC 9457 problem details for every error the app produces, mapped in one table."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from app.api.auth_failures import record_failure
from app.api.json_body import NOT_UTF8
from app.domain.errors import DomainError, Forbidden, NotFound, Unauthenticated
from app.services.problems import TYPE_PREFIX, problem_document

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

HTTP_PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Unauthenticated"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    412: ("stale-version", "Precondition failed"),
    413: ("content-too-large", "Content too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-failed", "Invalid input"),
    428: ("precondition-required", "Precondition required"),
    500: ("internal-error", "Internal server error"),
    503: ("unavailable", "Service unavailable"),
}


def problem(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    default_slug, default_title = HTTP_PROBLEMS.get(status, ("error", "Error"))
    body = {
        "type": TYPE_PREFIX + (slug or default_slug),
        "title": title or default_title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def malformed_json(reason: str | None = None) -> JSONResponse:
    """400 for a body that is not JSON; ``reason`` when it says more (not UTF-8)."""
    return problem(400, reason or "the request body is not valid JSON", slug="malformed-json")


def domain_problem(error: DomainError) -> JSONResponse:
    """The problem answer for a domain error (statuses: ``app/services/problems.py``)."""
    body = problem_document(error)
    status = body["status"]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic errors without their ``input`` (it may hold secrets or be huge)."""
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "invalid")} for e in errors]


async def _on_domain_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return domain_problem(exc)


async def _on_auth_failure(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, (Unauthenticated, Forbidden))
    record_failure(request, exc.reason)
    return domain_problem(exc)


# The resource a path parameter names, where its name does not tell (``flag_id``).
PATH_RESOURCES = {
    "flag_id": "risk flag",
    "key_id": "api key",
    "endpoint_id": "webhook endpoint",
    "delivery_id": "webhook delivery",
    "item": "worklist item",
}
MAX_SHOWN_ID = 64


def path_not_found(request: Request, name: str) -> JSONResponse:
    """404 for a malformed id in the path: ids are opaque, so it names no resource, just
    as an unknown one does (a malformed id in a body stays 422)."""
    resource = PATH_RESOURCES.get(name) or name.removesuffix("_id").replace("_", " ")
    value = str(request.path_params.get(name, ""))
    shown = value if len(value) <= MAX_SHOWN_ID else value[:MAX_SHOWN_ID] + "..."
    return domain_problem(NotFound(resource, repr(shown)))


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = str(error.get("ctx", {}).get("error", ""))
            return malformed_json(reason if reason.startswith(NOT_UTF8) else None)
    for error in errors:
        loc = tuple(error.get("loc", ()))
        if len(loc) > 1 and loc[0] == "path":
            return path_not_found(request, str(loc[1]))
    return problem(422, "the request does not match the schema", errors=validation_errors(errors))


def allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts at this path (routers split them across routes)."""
    methods: set[str] = set()
    for context in iter_route_contexts(request.app.routes):
        regex = getattr(context.original_route, "path_regex", None)
        if regex is not None and regex.match(request.url.path):
            methods.update(context.methods or ())
    return sorted(methods)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    headers = dict(exc.headers or {})
    if exc.status_code == 404 and detail == "Not Found":
        detail = "no such route"
    if exc.status_code == 405:
        allowed = allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        detail = f"{request.method} is not allowed here; use {', '.join(allowed)}"
    return problem(exc.status_code, detail, headers=headers or None)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(Unauthenticated, _on_auth_failure)
    app.add_exception_handler(Forbidden, _on_auth_failure)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(HTTPException, _on_http_error)


def internal_error(request_id: str | None) -> JSONResponse:
    return problem(
        500,
        f"an internal error occurred; quote request id {request_id} to support",
        request_id=request_id,
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entries that document a route's problem answers in OpenAPI."""
    return {
        status: {
            "description": HTTP_PROBLEMS[status][1],
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }

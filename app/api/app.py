"""The FastAPI application: routers, middleware, error handlers, OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Scope

from app.api import ops
from app.api.access import api_keys
from app.api.auth_failures import FailureLog
from app.api.collection import (
    dunning,
    interactions,
    paper_trail,
    promises,
    risk_flags,
    targets,
    tasks,
    worklist,
)
from app.api.controls import approvals, audit
from app.api.customers import customers
from app.api.delivery import events, webhooks
from app.api.errors import install_error_handlers
from app.api.idempotency import IdempotencyMiddleware
from app.api.intake import imports, ingest
from app.api.intake.arrivals import release_parked
from app.api.intake.schemas.ingest import DOCUMENTED_MODELS
from app.api.localised import LocalisedProblemsMiddleware
from app.api.middleware import BodyGuardMiddleware, RequestContextMiddleware
from app.api.organisation import org_units, projects
from app.api.receivables import contracts, invoice_actions, invoices, payments
from app.api.reporting import reports, review, statements
from app.api.reporting.dashboard import install_dashboard
from app.api.scheduling import admin_jobs, test_clock
from app.api.schemas import Problem
from app.services.platform import Platform

DESCRIPTION = """\
Huikuan (回款) tracks and drives the collection of money owed on projects.

Authenticate with `Authorization: Bearer <api key>`. Errors are RFC 9457
`application/problem+json`. Money is a decimal string with the currency's minor units.
"""

ROUTERS = (
    ingest.router,  # first: the busiest route is matched before the others
    imports.router,
    customers.router,
    org_units.router,
    org_units.people_router,
    projects.router,
    contracts.router,
    invoices.router,
    invoice_actions.router,
    payments.router,
    targets.router,
    reports.target_router,
    tasks.router,
    worklist.router,
    interactions.router,
    promises.router,
    risk_flags.router,
    dunning.router,
    paper_trail.customers_router,
    paper_trail.invoices_router,
    reports.router,
    review.router,
    statements.router,
    api_keys.router,
    admin_jobs.router,
    webhooks.router,
    webhooks.deliveries_router,
    events.router,
    test_clock.router,
    approvals.router,
    approvals.requests_router,
    audit.router,
)

TAGS = (
    {"name": "customers", "description": "Customers"},
    {"name": "receivables", "description": "Contracts, plans, invoices and payments"},
    {
        "name": "collection",
        "description": "Targets, tasks, worklist, interactions, promises, risk flags and dunning",
    },
    {"name": "organisation", "description": "Organisation units, people and projects"},
    {"name": "reporting", "description": "Reports, the progress review and target curves"},
    {"name": "intake", "description": "Events pushed by ERP and CRM systems"},
    {"name": "imports", "description": "Bulk import of CSV and XLSX files"},
    {"name": "delivery", "description": "Webhooks and the event feed"},
    {"name": "access", "description": "API keys"},
    {"name": "scheduling", "description": "Scheduled jobs and the test clock"},
    {"name": "ops", "description": "Health, readiness and metrics"},
)


def operation_id(route: APIRoute) -> str:
    """The handler's name (``create_customer``): stable and clean for generated clients; a
    test holds every one unique and snake_case."""
    return route.name


Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def _platform_of(scope: Scope) -> Platform:
    platform: Platform = scope["app"].state.platform
    return platform


INGEST_PATH = "/v1/ingest/events"
IMPORTS_PATH = "/v1/imports"
MULTIPART_OVERHEAD = 64 * 1024


def create_app(
    platform: Platform | None = None,
    *,
    max_body_bytes: int = 1024 * 1024,
    ingest_max_body_bytes: int = 8 * 1024 * 1024,
    import_max_bytes: int = 100 * 1024 * 1024,
    lifespan: Lifespan | None = None,
    cors_origins: Sequence[str] = (),
) -> FastAPI:
    """Build the app. ``platform`` may be given now or set on ``app.state`` by ``lifespan``."""
    app = FastAPI(
        title="Huikuan",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        separate_input_output_schemas=True,
        openapi_tags=list(TAGS),
        generate_unique_id_function=operation_id,
        # The service exports Prometheus metrics; FastAPI's OpenTelemetry hooks, with no
        # provider configured, would only cost every request a few checks.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    if platform is not None:
        app.state.platform = platform
    app.state.release_arrivals = release_parked  # see app/api/arrivals.py
    app.state.auth_failures = FailureLog()
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(ops.router)
    install_dashboard(app)
    # Added last = outermost: request context wraps the body guard wraps idempotency.
    app.add_middleware(IdempotencyMiddleware, platform=_platform_of)
    app.add_middleware(
        BodyGuardMiddleware,
        max_body_bytes=max_body_bytes,
        path_limits={INGEST_PATH: ingest_max_body_bytes},
        # The file plus the form's few other fields and boundaries.
        stream_limits={IMPORTS_PATH: import_max_bytes + MULTIPART_OVERHEAD},
    )
    app.add_middleware(RequestContextMiddleware)
    # Outside the request context, so that its last-resort 500 is translated too.
    app.add_middleware(LocalisedProblemsMiddleware)
    if cors_origins:
        # Outside the request context: a preflight is answered before anything else runs.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["Content-Disposition", "ETag", "X-Request-ID"],
            max_age=600,
        )
    _document_problems(app)
    return app


def create_ops_app(platform: Platform) -> FastAPI:
    """Only /healthz, /readyz and /metrics: what `huikuan worker` serves to ops."""
    app = FastAPI(title="Huikuan worker", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.platform = platform
    install_error_handlers(app)
    app.include_router(ops.router)
    app.add_middleware(RequestContextMiddleware)
    return app


def _document_problems(app: FastAPI) -> None:
    """Add the schemas that routes refer to by hand: Problem (error responses) and the
    ingestion request body's models."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original()
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            models: tuple[type[BaseModel], ...] = (Problem, *DOCUMENTED_MODELS)
            for model in models:
                schemas[model.__name__] = model.model_json_schema(
                    ref_template="#/components/schemas/{model}"
                )
                for name, definition in schemas[model.__name__].pop("$defs", {}).items():
                    schemas.setdefault(name, definition)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

"""/v1/ingest/events: events pushed by ERP and CRM systems, and what became of them."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Query, Request, Response, Security
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import SecurityScopes

from app.api.base import resource_router
from app.api.deps import IngestReader, UowDep, authorize, bearer, changing_context, request_uow
from app.api.errors import malformed_json, problem_responses
from app.api.idempotency import claim_idempotency_key
from app.api.intake.ingest_body import read_events
from app.api.intake.metrics import count_ingest, count_released
from app.api.intake.schemas.ingest import IngestEventOut, IngestResultsOut, request_body
from app.api.intake.signatures import check_signature
from app.api.json_body import NotUtf8
from app.api.schemas import PageOut
from app.domain.access.api_keys import Scope
from app.domain.intake.ingest import IngestStatus
from app.services.intake import intake
from app.services.intake.ports import IngestFilter
from app.services.intake.queries import ingest_event_document, list_ingest_events
from app.services.pagination import page_request
from app.services.platform import Platform

router = resource_router("/v1/ingest", "intake")

DESCRIPTION = """\
One event, `{"events": [...]}` (up to `HUIKUAN_INGEST_MAX_EVENTS`, 1,000 by default), or
CloudEvents 1.0 in structured mode (`application/cloudevents+json`, a batch as
`application/cloudevents-batch+json`). Records refer to each other by `external_id`.

The answer is 200 whenever the body could be read, with one result per event in order:
`accepted`, `duplicate` (same `source` and `id` seen before: nothing changes), `parked`
(it names a record not known yet: it is applied by itself when that record arrives) or
`rejected` with an RFC 9457 problem. One bad event never rejects another.

With `HUIKUAN_INGEST_SECRET` set, requests must be signed with Standard Webhooks headers
(`webhook-id`, `webhook-timestamp`, `webhook-signature`); otherwise the API key is enough.
Signed, a `webhook-id` stands for one body for 5 minutes: the same body again answers as
before (its events are duplicates), another body under that id is refused with 401.
"""


INGESTING = SecurityScopes([Scope.INGEST.value])


class RequestOnlyRoute(APIRoute):
    """A route documented as declared (its key check included) whose endpoint FastAPI
    calls with the request alone: the endpoint checks the key and reads the body itself.
    For the busiest route, where solving dependencies cost a twentieth of its CPU."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        return self.endpoint


async def ingest_events(request: Request) -> Response:
    platform: Platform = request.app.state.platform
    actor = await authorize(INGESTING, request, platform, await bearer(request))
    ctx = await changing_context(request, actor, platform)
    body = await request.body()
    request.state.signed_message = check_signature(platform.ingest.secret, request, body)
    try:
        events = read_events(
            body, request.headers.get("content-type", ""), platform.ingest.max_events
        )
    except NotUtf8 as error:
        return malformed_json(error.msg)
    except json.JSONDecodeError:
        return malformed_json()
    replay = await claim_idempotency_key()  # only now: the request is authorised and read
    if replay is not None:
        return replay
    uow = request_uow(request, platform, reuse_plans=True)
    report = await intake.ingest_events(uow, ctx, events)
    for result in report.results:
        count_ingest(result.type, result.outcome.value)
    count_released(report.released)
    return JSONResponse({"results": [result.document() for result in report.results]})


router.add_api_route(
    "/events",
    ingest_events,
    methods=["POST"],
    summary="Ingest ERP/CRM events: one, a batch, or CloudEvents",
    description=DESCRIPTION,
    response_model=IngestResultsOut,
    responses=problem_responses(400, 413, 415),
    openapi_extra={"requestBody": request_body()},
    dependencies=[Security(authorize, scopes=INGESTING.scopes)],
    route_class_override=RequestOnlyRoute,
)


@router.get(
    "/events",
    summary="List ingested events: applied, parked (with what they wait for), rejected",
    description="Oldest first. Needs the `ingest` or the `read` scope.",
    response_model=PageOut[IngestEventOut],
)
async def list_ingested_events(
    uow: UowDep,
    _: IngestReader,
    status: IngestStatus | None = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    type_: Annotated[str | None, Query(alias="type", max_length=100)] = None,
    event_id: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    filters = IngestFilter(status=status, source=source, type=type_, event_id=event_id)
    async with uow:
        page = await list_ingest_events(uow, filters, page_request(limit, cursor))
    return {
        "data": [ingest_event_document(r) for r in page.items],
        "next_cursor": page.next_cursor,
    }

"""/v1/events: the event feed, for consumers who poll instead of receiving webhooks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from app.api.base import resource_router
from app.api.delivery.schemas.events import EventFeedOut
from app.api.deps import Reader, UowDep
from app.services.delivery.feed import read_event_feed

router = resource_router("/v1/events", "delivery")


@router.get(
    "",
    summary="Every event, oldest first, in an order no late commit can slip behind",
    response_model=EventFeedOut,
)
async def list_events(
    uow: UowDep,
    _: Reader,
    after: Annotated[
        str | None, Query(max_length=500, description="The next_cursor of the previous page")
    ] = None,
    event_type: Annotated[
        str | None, Query(alias="type", max_length=100, examples=["invoice.paid"])
    ] = None,
    subject: Annotated[str | None, Query(max_length=200, examples=["invoices/<id>"])] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    async with uow:
        page = await read_event_feed(
            uow, after=after, event_type=event_type, subject=subject, limit=limit
        )
    return {"data": [e.envelope() for e in page.events], "next_cursor": page.next_cursor}

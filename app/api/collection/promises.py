"""/v1/promises: promises to pay, made in interactions, and whether they were kept."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response

from app.api.base import resource_router
from app.api.collection.schemas.interactions import PromiseOut
from app.api.deps import Reader, UowDep, etag
from app.api.errors import problem_responses
from app.api.schemas import BusinessDate, PageOut
from app.domain.collection.promises import PromiseStatus
from app.services.collection import promises as use_cases
from app.services.collection.documents import PromiseDocument, promise_document
from app.services.collection.ports import PromiseFilter
from app.services.pagination import page_request

router = resource_router("/v1/promises", "collection")


@router.get("", summary="List promises to pay", response_model=PageOut[PromiseOut])
async def list_promises(
    uow: UowDep,
    _: Reader,
    customer_id: UUID | None = None,
    invoice_id: UUID | None = None,
    status: PromiseStatus | None = None,
    due_before: Annotated[
        BusinessDate | None, Query(description="Promised before this day")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    filters = PromiseFilter(
        customer_id=customer_id, invoice_id=invoice_id, status=status, due_before=due_before
    )
    async with uow:
        page = await use_cases.list_promises(uow, filters, page_request(limit, cursor))
    return {
        "data": [promise_document(p) for p in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/{promise_id}",
    summary="Get a promise to pay",
    response_model=PromiseOut,
    responses=problem_responses(404),
)
async def get_promise(
    promise_id: UUID, uow: UowDep, _: Reader, response: Response
) -> PromiseDocument:
    async with uow:
        promise = await use_cases.get_promise(uow, promise_id)
    response.headers["ETag"] = etag(promise.version)
    return promise_document(promise)

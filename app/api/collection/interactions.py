"""/v1/interactions: contacts with customers, with the promises to pay made in them."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response, status

from app.api.base import resource_router
from app.api.collection.schemas.interactions import InteractionCreate, InteractionOut
from app.api.deps import Reader, UowDep, WriteContext
from app.api.errors import problem_responses
from app.api.schemas import PageOut, evidence_of
from app.services.collection import interactions as use_cases
from app.services.collection.documents import InteractionDocument
from app.services.pagination import page_request

router = resource_router("/v1/interactions", "collection")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Record an interaction, with an optional promise to pay",
    description=(
        "A promise is for today or later, in the currency of the invoice it names or, "
        "without one, of the customer's open invoices or the customer's own currency. It "
        "is kept once allocated payments received by the promised date (plus "
        "HUIKUAN_PROMISE_GRACE_DAYS) reach its amount."
    ),
    response_model=InteractionOut,
    responses=problem_responses(409),
)
async def record_interaction(
    body: InteractionCreate, uow: UowDep, ctx: WriteContext, response: Response
) -> InteractionDocument:
    promise = body.promise
    async with uow:
        view = await use_cases.record_interaction(
            uow,
            ctx,
            use_cases.NewInteraction(
                customer_id=body.customer_id,
                invoice_id=body.invoice_id,
                channel=body.channel,
                occurred_at=body.occurred_at,
                summary=body.summary,
                outcome=body.outcome,
                demand=body.demand,
                evidence=evidence_of(body.evidence),
                promise=None
                if promise is None
                else use_cases.NewPromise(promise.amount, promise.currency, promise.promised_date),
            ),
        )
        await uow.commit()
    response.headers["Location"] = f"/v1/interactions/{view.interaction.id}"
    return view.document()


@router.get("", summary="List interactions", response_model=PageOut[InteractionOut])
async def list_interactions(
    uow: UowDep,
    _: Reader,
    customer_id: UUID | None = None,
    invoice_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    async with uow:
        page = await use_cases.list_interactions(
            uow, customer_id=customer_id, invoice_id=invoice_id, page=page_request(limit, cursor)
        )
    return {"data": [v.document() for v in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/{interaction_id}",
    summary="Get an interaction",
    response_model=InteractionOut,
    responses=problem_responses(404),
)
async def get_interaction(interaction_id: UUID, uow: UowDep, _: Reader) -> InteractionDocument:
    async with uow:
        view = await use_cases.get_interaction(uow, interaction_id)
    return view.document()

"""Balance confirmations (``/v1/customers/{id}/confirmations``), legal actions and an
invoice's limitation period (``/v1/invoices/{id}/legal-actions``, ``.../limitation``)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response, status

from app.api.base import resource_router
from app.api.collection.schemas.paper_trail import (
    ConfirmationCreate,
    ConfirmationOut,
    ConfirmationReply,
    InvoiceLimitationOut,
    LegalActionCreate,
    LegalActionOut,
)
from app.api.deps import ReadContext, Reader, UowDep, WriteContext
from app.api.errors import problem_responses
from app.api.schemas import PageOut, evidence_of
from app.domain.collection.confirmations import ConfirmationStatus, Reply
from app.services.collection import confirmations as use_cases
from app.services.collection import limitation
from app.services.pagination import page_request

customers_router = resource_router("/v1/customers", "collection")
invoices_router = resource_router("/v1/invoices", "collection")


@customers_router.post(
    "/{customer_id}/confirmations",
    status_code=status.HTTP_201_CREATED,
    summary="Send a balance confirmation (对账确认): the book balance at the end of as_of",
    description="422 in a currency the customer has no invoice or payment in. Emits "
    "`confirmation.sent`.",
    response_model=ConfirmationOut,
    responses=problem_responses(404),
)
async def create_confirmation(
    customer_id: UUID, body: ConfirmationCreate, uow: UowDep, ctx: WriteContext, response: Response
) -> dict[str, Any]:
    async with uow:
        confirmation = await use_cases.send_confirmation(
            uow,
            ctx,
            use_cases.NewConfirmation(
                customer_id=customer_id,
                currency=body.currency,
                as_of=body.as_of,
                note=body.note,
                evidence=evidence_of(body.evidence),
            ),
        )
        await uow.commit()
    response.headers["Location"] = f"/v1/customers/{customer_id}/confirmations/{confirmation.id}"
    return use_cases.confirmation_document(confirmation)


@customers_router.get(
    "/{customer_id}/confirmations",
    summary="List a customer's balance confirmations, newest first",
    response_model=PageOut[ConfirmationOut],
    responses=problem_responses(404),
)
async def list_confirmations(
    customer_id: UUID,
    uow: UowDep,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    async with uow:
        page = await use_cases.list_confirmations(uow, customer_id, page_request(limit, cursor))
    return {
        "data": [use_cases.confirmation_document(c) for c in page.items],
        "next_cursor": page.next_cursor,
    }


@customers_router.get(
    "/{customer_id}/confirmations/{confirmation_id}",
    summary="Get a balance confirmation",
    response_model=ConfirmationOut,
    responses=problem_responses(404),
)
async def get_confirmation(
    customer_id: UUID, confirmation_id: UUID, uow: UowDep, _: Reader
) -> dict[str, Any]:
    async with uow:
        found = await use_cases.get_confirmation(uow, customer_id, confirmation_id)
    return use_cases.confirmation_document(found)


@customers_router.patch(
    "/{customer_id}/confirmations/{confirmation_id}",
    summary="Record the customer's reply: confirmed, disputed or no_reply",
    description="A confirmed or disputed balance that differs from the book raises the "
    "customer's `invoice_error` risk flag stating the difference. `confirmed` starts the "
    "limitation period of the customer's open receivables in its currency again. A reply "
    "is final (409 after it). Emits `confirmation.confirmed`, `confirmation.disputed` or "
    "`confirmation.updated` (no reply).",
    response_model=ConfirmationOut,
    responses=problem_responses(404, 409),
)
async def update_confirmation(
    customer_id: UUID,
    confirmation_id: UUID,
    body: ConfirmationReply,
    uow: UowDep,
    ctx: WriteContext,
) -> dict[str, Any]:
    async with uow:
        reply = Reply(
            status=ConfirmationStatus(body.status),
            confirmed_balance=body.confirmed_balance,
            confirmed_on=body.confirmed_on,
            confirmed_by=body.confirmed_by,
            note=body.note,
            evidence=None if body.evidence is None else evidence_of(body.evidence),
        )
        updated = await use_cases.reply_to_confirmation(
            uow, ctx, customer_id, confirmation_id, reply
        )
        await uow.commit()
    return use_cases.confirmation_document(updated)


@invoices_router.post(
    "/{invoice_id}/legal-actions",
    status_code=status.HTTP_201_CREATED,
    summary="Record a legal action filed for an invoice (lawsuit, arbitration, payment order, "
    "mediation)",
    description="It starts the invoice's limitation period again from `filed_on`. 409 on a "
    "paid, void or written-off invoice. Emits `legal_action.created`.",
    response_model=LegalActionOut,
    responses=problem_responses(404, 409),
)
async def create_legal_action(
    invoice_id: UUID, body: LegalActionCreate, uow: UowDep, ctx: WriteContext
) -> dict[str, Any]:
    async with uow:
        action = await use_cases.file_legal_action(
            uow,
            ctx,
            use_cases.NewLegalAction(
                invoice_id=invoice_id,
                kind=body.kind,
                filed_on=body.filed_on,
                court=body.court,
                case_no=body.case_no,
                evidence=evidence_of(body.evidence),
            ),
        )
        await uow.commit()
    return use_cases.legal_action_document(action)


@invoices_router.get(
    "/{invoice_id}/limitation",
    summary="An invoice's limitation period (诉讼时效) and every interruption of it",
    description="The period starts on the due date, or on the latest interruption after it, "
    "and ends HUIKUAN_LIMITATION_YEARS later on the corresponding day (PRC Civil Code arts. "
    "188, 195, 201, 202).",
    response_model=InvoiceLimitationOut,
    responses=problem_responses(404),
)
async def get_invoice_limitation(invoice_id: UUID, uow: UowDep, ctx: ReadContext) -> dict[str, Any]:
    async with uow:
        return await limitation.invoice_limitation(uow, ctx, invoice_id)

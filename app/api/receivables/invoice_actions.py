"""/v1/invoices/{id}/...: void, dispute, resolve-dispute, write-off, hold, release."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import Response

from app.api.base import resource_router
from app.api.deps import IfMatch, UowDep, WriteContext, etag
from app.api.errors import problem_responses
from app.api.receivables.schemas.invoices import (
    HoldIn,
    InvoiceOut,
    OptionalReasonIn,
    ReasonIn,
    ResolveIn,
)
from app.services.context import Context
from app.services.platform import AppUnitOfWork
from app.services.receivables import invoice_actions as actions
from app.services.receivables.invoice_documents import InvoiceDocument, invoice_document
from app.services.receivables.invoices import locked_invoice

router = resource_router("/v1/invoices", "receivables")

ACTION_PROBLEMS = problem_responses(404, 409, 412)


async def _act(
    uow: AppUnitOfWork,
    ctx: Context,
    invoice_id: UUID,
    expected_version: int | None,
    response: Response,
    action: actions.InvoiceAction,
    reason: str | None = None,
    until: date | None = None,
) -> InvoiceDocument:
    async with uow:
        current = await locked_invoice(uow, invoice_id, expected_version)
        invoice = await actions.act_on_invoice(uow, ctx, current, action, reason, until)
        await uow.commit()
    response.headers["ETag"] = etag(invoice.version)
    return invoice_document(invoice, ctx.clock.today())


@router.post(
    "/{invoice_id}/void",
    summary="Void an invoice (409 when payments are allocated to it)",
    response_model=InvoiceOut,
    responses=ACTION_PROBLEMS,
)
async def void_invoice(
    invoice_id: UUID,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
    body: OptionalReasonIn | None = None,
) -> InvoiceDocument:
    reason = body.reason if body else None
    return await _act(uow, ctx, invoice_id, expected_version, response, "void", reason)


@router.post(
    "/{invoice_id}/dispute",
    summary="Mark an invoice disputed (dunning and the overdue rule skip it)",
    response_model=InvoiceOut,
    responses=ACTION_PROBLEMS,
)
async def dispute_invoice(
    invoice_id: UUID,
    body: ReasonIn,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
) -> InvoiceDocument:
    return await _act(uow, ctx, invoice_id, expected_version, response, "dispute", body.reason)


@router.post(
    "/{invoice_id}/resolve-dispute",
    summary="End an invoice's dispute",
    response_model=InvoiceOut,
    responses=ACTION_PROBLEMS,
)
async def resolve_dispute(
    invoice_id: UUID,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
    body: ResolveIn | None = None,
) -> InvoiceDocument:
    note = body.note if body else None
    return await _act(uow, ctx, invoice_id, expected_version, response, "resolve_dispute", note)


@router.post(
    "/{invoice_id}/write-off",
    summary="Write off what is unpaid (the paid part stays)",
    response_model=InvoiceOut,
    responses=ACTION_PROBLEMS,
)
async def write_off_invoice(
    invoice_id: UUID,
    body: ReasonIn,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
) -> InvoiceDocument:
    return await _act(uow, ctx, invoice_id, expected_version, response, "write_off", body.reason)


@router.post(
    "/{invoice_id}/hold",
    summary="Pause collection of an invoice until a date",
    response_model=InvoiceOut,
    responses=ACTION_PROBLEMS,
)
async def hold_invoice(
    invoice_id: UUID,
    body: HoldIn,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
) -> InvoiceDocument:
    return await _act(
        uow, ctx, invoice_id, expected_version, response, "hold", body.reason, body.until
    )


@router.post(
    "/{invoice_id}/release",
    summary="End an invoice's hold",
    response_model=InvoiceOut,
    responses=ACTION_PROBLEMS,
)
async def release_invoice(
    invoice_id: UUID,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
) -> InvoiceDocument:
    return await _act(uow, ctx, invoice_id, expected_version, response, "release")

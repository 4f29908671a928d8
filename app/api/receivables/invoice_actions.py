"""/v1/invoices/{id}/...: void, dispute, resolve-dispute, write-off, hold, release."""

from __future__ import annotations

from typing import Any
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
from app.domain.receivables.invoices import Invoice
from app.services.context import Context
from app.services.receivables import invoice_actions as actions
from app.services.receivables.invoice_documents import invoice_document

router = resource_router("/v1/invoices", "invoices")

ACTION_PROBLEMS = problem_responses(404, 409, 412)


def _answer(invoice: Invoice, ctx: Context, response: Response) -> dict[str, Any]:
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
) -> dict[str, Any]:
    reason = body.reason if body else None
    invoice = await actions.void_invoice(uow, ctx, invoice_id, reason, expected_version)
    return _answer(invoice, ctx, response)


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
) -> dict[str, Any]:
    invoice = await actions.dispute_invoice(uow, ctx, invoice_id, body.reason, expected_version)
    return _answer(invoice, ctx, response)


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
) -> dict[str, Any]:
    note = body.note if body else None
    invoice = await actions.resolve_dispute(uow, ctx, invoice_id, note, expected_version)
    return _answer(invoice, ctx, response)


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
) -> dict[str, Any]:
    invoice = await actions.write_off_invoice(uow, ctx, invoice_id, body.reason, expected_version)
    return _answer(invoice, ctx, response)


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
) -> dict[str, Any]:
    invoice = await actions.hold_invoice(
        uow, ctx, invoice_id, body.reason, body.until, expected_version
    )
    return _answer(invoice, ctx, response)


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
) -> dict[str, Any]:
    invoice = await actions.release_invoice(uow, ctx, invoice_id, expected_version)
    return _answer(invoice, ctx, response)

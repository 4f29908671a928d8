"""/v1/invoices/{id}/...: void, dispute, resolve-dispute, write-off, hold, release."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import Response

from app.api.base import resource_router
from app.api.deps import IfMatch, PlatformDep, UowDep, WriteContext, etag
from app.api.errors import problem_responses
from app.api.gate import GATED_RESPONSES, gated
from app.api.receivables.schemas.invoices import (
    HoldIn,
    InvoiceOut,
    OptionalReasonIn,
    ReasonIn,
    ResolveIn,
)
from app.services.context import Context
from app.services.platform import AppUnitOfWork, Platform
from app.services.receivables import invoice_actions as actions
from app.services.receivables.invoice_documents import InvoiceDocument, invoice_document
from app.services.receivables.invoices import locked_invoice

router = resource_router("/v1/invoices", "receivables")

ACTION_PROBLEMS = problem_responses(404, 409, 412)
GATED_ACTION_PROBLEMS = {**ACTION_PROBLEMS, **GATED_RESPONSES}
# The actions an approval policy may gate, by the name the policy gives them.
GATED_ACTIONS: dict[actions.InvoiceAction, str] = {
    "write_off": "invoice.write_off",
    "hold": "invoice.hold",
}


async def _act(
    uow: AppUnitOfWork,
    ctx: Context,
    invoice_id: UUID,
    expected_version: int | None,
    response: Response,
    action: actions.InvoiceAction,
    reason: str | None = None,
    until: date | None = None,
    platform: Platform | None = None,
) -> InvoiceDocument | Response:
    async with uow:
        current = await locked_invoice(uow, invoice_id, expected_version)
        if platform is not None:
            payload = {"invoice_id": str(invoice_id), "reason": reason}
            if until is not None:
                payload["until"] = until.isoformat()
            answer = await gated(platform, uow, ctx, GATED_ACTIONS[action], payload)
            if answer is not None:
                return answer
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
) -> InvoiceDocument | Response:
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
) -> InvoiceDocument | Response:
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
) -> InvoiceDocument | Response:
    note = body.note if body else None
    return await _act(uow, ctx, invoice_id, expected_version, response, "resolve_dispute", note)


@router.post(
    "/{invoice_id}/write-off",
    summary="Write off what is unpaid (the paid part stays)",
    description="202 with an approval request when the approval policy asks for one.",
    response_model=InvoiceOut,
    responses=GATED_ACTION_PROBLEMS,
)
async def write_off_invoice(
    invoice_id: UUID,
    body: ReasonIn,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
    platform: PlatformDep,
) -> InvoiceDocument | Response:
    return await _act(
        uow, ctx, invoice_id, expected_version, response, "write_off", body.reason, None, platform
    )


@router.post(
    "/{invoice_id}/hold",
    summary="Pause collection of an invoice until a date",
    description="202 with an approval request when the approval policy asks for one.",
    response_model=InvoiceOut,
    responses=GATED_ACTION_PROBLEMS,
)
async def hold_invoice(
    invoice_id: UUID,
    body: HoldIn,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
    platform: PlatformDep,
) -> InvoiceDocument | Response:
    return await _act(
        uow, ctx, invoice_id, expected_version, response, "hold", body.reason, body.until, platform
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
) -> InvoiceDocument | Response:
    return await _act(uow, ctx, invoice_id, expected_version, response, "release")

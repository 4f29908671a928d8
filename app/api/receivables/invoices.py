"""/v1/invoices: issue, correct, read and list invoices."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response, status

from app.api.arrivals import ArrivalsDep
from app.api.base import resource_router
from app.api.deps import ClockDep, IfMatch, Reader, UowDep, WriteContext, etag
from app.api.errors import problem_responses
from app.api.receivables.schemas.invoices import InvoiceCreate, InvoiceOut, InvoicePatch
from app.api.schemas import BusinessDate, PageOut
from app.domain.receivables.invoices import InvoiceStatus
from app.services.pagination import page_request
from app.services.receivables import invoices as use_cases
from app.services.receivables.invoice_documents import InvoiceDocument, invoice_document
from app.services.receivables.ports import InvoiceFilter

router = resource_router("/v1/invoices", "receivables")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Issue an invoice",
    response_model=InvoiceOut,
    responses=problem_responses(409),
)
async def create_invoice(
    body: InvoiceCreate,
    uow: UowDep,
    ctx: WriteContext,
    response: Response,
    arrivals: ArrivalsDep,
) -> InvoiceDocument:
    async with uow:
        invoice = await use_cases.create_invoice(
            uow,
            ctx,
            use_cases.NewInvoice(
                customer_id=body.customer_id,
                amount=body.amount,
                currency=body.currency,
                issued_on=body.issued_on,
                due_date=body.due_date,
                external_id=body.external_id,
                contract_id=body.contract_id,
                installment_id=body.installment_id,
            ),
        )
        await uow.commit()
    await arrivals("invoice", invoice.external_id)
    response.headers["Location"] = f"/v1/invoices/{invoice.id}"
    response.headers["ETag"] = etag(invoice.version)
    return invoice_document(invoice, ctx.clock.today())


@router.get("", summary="List invoices", response_model=PageOut[InvoiceOut])
async def list_invoices(
    uow: UowDep,
    clock: ClockDep,
    _: Reader,
    customer_id: UUID | None = None,
    contract_id: UUID | None = None,
    status: InvoiceStatus | None = None,
    overdue: Annotated[bool | None, Query(description="Open and past its due date")] = None,
    due_before: Annotated[
        BusinessDate | None, Query(description="Due strictly before this date")
    ] = None,
    external_id: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    filters = InvoiceFilter(
        customer_id=customer_id,
        contract_id=contract_id,
        status=status,
        overdue=overdue,
        due_before=due_before,
        external_id=external_id,
    )
    async with uow:
        page = await use_cases.list_invoices(uow, clock, filters, page_request(limit, cursor))
    today = clock.today()
    return {
        "data": [invoice_document(i, today) for i in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/{invoice_id}",
    summary="Get an invoice",
    response_model=InvoiceOut,
    responses=problem_responses(404),
)
async def get_invoice(
    invoice_id: UUID, uow: UowDep, clock: ClockDep, _: Reader, response: Response
) -> InvoiceDocument:
    async with uow:
        invoice = await use_cases.get_invoice(uow, invoice_id)
    response.headers["ETag"] = etag(invoice.version)
    return invoice_document(invoice, clock.today())


@router.patch(
    "/{invoice_id}",
    summary="Correct an open invoice",
    response_model=InvoiceOut,
    responses=problem_responses(404, 409, 412),
)
async def update_invoice(
    invoice_id: UUID,
    body: InvoicePatch,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
    arrivals: ArrivalsDep,
) -> InvoiceDocument:
    values = body.model_dump(exclude_unset=True)
    async with uow:
        current = await use_cases.locked_invoice(uow, invoice_id, expected_version)
        invoice = await use_cases.update_invoice(uow, ctx, current, values)
        await uow.commit()
    if "external_id" in values:
        await arrivals("invoice", invoice.external_id)
    response.headers["ETag"] = etag(invoice.version)
    return invoice_document(invoice, ctx.clock.today())

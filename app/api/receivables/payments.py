"""/v1/payments: record payments, allocate them, undo allocations, reverse payments."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response, status

from app.api.arrivals import ArrivalsDep
from app.api.base import resource_router
from app.api.deps import IfMatch, PlatformDep, Reader, UowDep, WriteContext, etag
from app.api.errors import problem_responses
from app.api.gate import GATED_RESPONSES, gated
from app.api.receivables.schemas.payments import (
    AllocateIn,
    AllocationIn,
    PaymentCreate,
    PaymentOut,
    ReverseIn,
)
from app.api.schemas import PageOut
from app.domain.receivables.payments import Payment, PaymentStatus
from app.services.pagination import page_request
from app.services.receivables import allocations as allocation_cases
from app.services.receivables import payments as use_cases
from app.services.receivables.allocations import AllocationRequest
from app.services.receivables.payment_documents import PaymentDocument, payment_document

router = resource_router("/v1/payments", "receivables")


def _requests(items: list[AllocationIn] | None) -> tuple[AllocationRequest, ...] | None:
    if items is None:
        return None
    return tuple(AllocationRequest(invoice_id=i.invoice_id, amount=i.amount) for i in items)


def _answer(payment: Payment, response: Response) -> PaymentDocument:
    response.headers["ETag"] = etag(payment.version)
    return payment_document(payment)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Record a payment and allocate it",
    description=(
        "Without `allocations` the payment is allocated automatically: first to invoices "
        "whose number appears in `reference`, then oldest due date first across the "
        "customer's open invoices in the same currency. What is left is `unallocated_amount`."
    ),
    response_model=PaymentOut,
    responses=problem_responses(409),
)
async def record_payment(
    body: PaymentCreate,
    uow: UowDep,
    ctx: WriteContext,
    response: Response,
    arrivals: ArrivalsDep,
) -> PaymentDocument:
    async with uow:
        payment = await use_cases.record_payment(
            uow,
            ctx,
            use_cases.NewPayment(
                customer_id=body.customer_id,
                amount=body.amount,
                currency=body.currency,
                received_on=body.received_on,
                external_id=body.external_id,
                method=body.method,
                reference=body.reference,
                allocations=_requests(body.allocations),
            ),
        )
        await uow.commit()
    await arrivals("payment", payment.external_id)
    response.headers["Location"] = f"/v1/payments/{payment.id}"
    return _answer(payment, response)


@router.get("", summary="List payments", response_model=PageOut[PaymentOut])
async def list_payments(
    uow: UowDep,
    _: Reader,
    customer_id: UUID | None = None,
    external_id: Annotated[str | None, Query(max_length=100)] = None,
    status: PaymentStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    async with uow:
        page = await use_cases.list_payments(
            uow,
            customer_id=customer_id,
            external_id=external_id,
            status=status,
            page=page_request(limit, cursor),
        )
    return {"data": [payment_document(p) for p in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/{payment_id}",
    summary="Get a payment with its allocations",
    response_model=PaymentOut,
    responses=problem_responses(404),
)
async def get_payment(
    payment_id: UUID, uow: UowDep, _: Reader, response: Response
) -> PaymentDocument:
    async with uow:
        payment = await use_cases.get_payment(uow, payment_id)
    return _answer(payment, response)


@router.post(
    "/{payment_id}/allocations",
    summary="Allocate what a payment has unallocated",
    description="Without `allocations` the unallocated rest is allocated automatically.",
    response_model=PaymentOut,
    responses=problem_responses(404, 409, 412),
)
async def allocate_payment(
    payment_id: UUID,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
    body: AllocateIn | None = None,
) -> PaymentDocument:
    requests = _requests(body.allocations if body else None)
    async with uow:
        current = await allocation_cases.locked_payment(uow, payment_id, expected_version)
        payment = await allocation_cases.allocate_payment(uow, ctx, current, requests)
        await uow.commit()
    return _answer(payment, response)


@router.delete(
    "/{payment_id}/allocations/{allocation_id}",
    summary="Undo one allocation (it is kept, stamped undone)",
    description="202 with an approval request when the approval policy asks for one.",
    response_model=PaymentOut,
    responses={**problem_responses(404, 409), **GATED_RESPONSES},
)
async def undo_allocation(
    payment_id: UUID,
    allocation_id: UUID,
    uow: UowDep,
    ctx: WriteContext,
    response: Response,
    platform: PlatformDep,
) -> PaymentDocument | Response:
    payload = {"payment_id": str(payment_id), "allocation_id": str(allocation_id)}
    async with uow:
        current = await allocation_cases.locked_payment(uow, payment_id)
        answer = await gated(platform, uow, ctx, "allocation.delete", payload)
        if answer is not None:
            return answer
        payment = await allocation_cases.undo_allocation(uow, ctx, current, allocation_id)
        await uow.commit()
    return _answer(payment, response)


@router.post(
    "/{payment_id}/reverse",
    summary="Reverse a bounced payment: undo every allocation and reopen the invoices",
    description="202 with an approval request when the approval policy asks for one.",
    response_model=PaymentOut,
    responses={**problem_responses(404, 409, 412), **GATED_RESPONSES},
)
async def reverse_payment(
    payment_id: UUID,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
    platform: PlatformDep,
    body: ReverseIn | None = None,
) -> PaymentDocument | Response:
    reason = body.reason if body else None
    async with uow:
        current = await allocation_cases.locked_payment(uow, payment_id, expected_version)
        payload = {"payment_id": str(payment_id), "reason": reason}
        answer = await gated(platform, uow, ctx, "payment.reverse", payload)
        if answer is not None:
            return answer
        payment = await allocation_cases.reverse_payment(uow, ctx, current, reason)
        await uow.commit()
    return _answer(payment, response)

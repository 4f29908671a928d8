"""/v1/customers"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response, status

from app.api.arrivals import ArrivalsDep
from app.api.base import resource_router
from app.api.customers.schemas.customers import (
    CustomerCreate,
    CustomerDetailOut,
    CustomerOut,
    CustomerPatch,
)
from app.api.deps import ClockDep, IfMatch, Reader, UowDep, WriteContext, etag
from app.api.errors import problem_responses
from app.api.schemas import PageOut
from app.domain.customers.customers import Contact
from app.services.customers import customers as use_cases
from app.services.customers.documents import (
    CustomerDetailDocument,
    customer_detail_document,
    customer_document,
)
from app.services.pagination import page_request

router = resource_router("/v1/customers", "customers")


def _contacts(items: list[Any]) -> tuple[Contact, ...]:
    return tuple(Contact(**item.model_dump()) for item in items)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a customer",
    response_model=CustomerDetailOut,
    responses=problem_responses(409),
)
async def create_customer(
    body: CustomerCreate,
    uow: UowDep,
    ctx: WriteContext,
    response: Response,
    arrivals: ArrivalsDep,
) -> CustomerDetailDocument:
    cmd = use_cases.NewCustomer(
        name=body.name,
        currency=body.currency,
        external_id=body.external_id,
        credit_rating=body.credit_rating,
        credit_limit=body.credit_limit,
        payment_terms_days=body.payment_terms_days,
        contacts=_contacts(body.contacts),
    )
    async with uow:
        customer = await use_cases.create_customer(uow, ctx, cmd)
        await uow.commit()
    await arrivals("customer", customer.external_id)
    response.headers["Location"] = f"/v1/customers/{customer.id}"
    response.headers["ETag"] = etag(customer.version)
    return customer_detail_document(customer, [])


@router.get("", summary="List customers", response_model=PageOut[CustomerOut])
async def list_customers(
    uow: UowDep,
    _: Reader,
    external_id: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    async with uow:
        page = await use_cases.list_customers(
            uow, external_id=external_id, q=q, page=page_request(limit, cursor)
        )
    return {"data": [customer_document(c) for c in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/{customer_id}",
    summary="Get a customer with what they owe and what is overdue, per currency",
    response_model=CustomerDetailOut,
    responses=problem_responses(404),
)
async def get_customer(
    customer_id: UUID, uow: UowDep, clock: ClockDep, _: Reader, response: Response
) -> CustomerDetailDocument:
    async with uow:
        detail = await use_cases.get_customer_detail(uow, clock, customer_id)
    response.headers["ETag"] = etag(detail.customer.version)
    return detail.document()


@router.patch(
    "/{customer_id}",
    summary="Change a customer",
    response_model=CustomerDetailOut,
    responses=problem_responses(404, 409, 412),
)
async def update_customer(
    customer_id: UUID,
    body: CustomerPatch,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
    arrivals: ArrivalsDep,
) -> CustomerDetailDocument:
    values = body.model_dump(exclude_unset=True)
    if "contacts" in values:
        values["contacts"] = _contacts(body.contacts or [])
    async with uow:
        current = await use_cases.current_customer(uow, customer_id, expected_version)
        customer = await use_cases.update_customer(uow, ctx, current, values)
        await uow.commit()
    if "external_id" in values:
        await arrivals("customer", customer.external_id)
    async with uow:  # after the arrivals: the balances include what they released
        detail = await use_cases.get_customer_detail(uow, ctx.clock, customer.id)
    response.headers["ETag"] = etag(customer.version)
    return customer_detail_document(customer, detail.balances, detail.risk)

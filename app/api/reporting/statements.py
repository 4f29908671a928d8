"""``GET /v1/customers/{id}/statement``: the customer's statement (对账单) as JSON, CSV,
XLSX or PDF, chosen by ``Accept``, streamed while the lines are read.

The unit of work stays open while the answer streams (one snapshot, a server-side cursor)
and closes when the last byte is sent or the client goes away.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import StreamingResponse

from app.api.base import resource_router
from app.api.deps import ClockDep, PlatformDep, Reader, UowDep
from app.api.errors import problem_responses
from app.api.reporting import statement_files as files
from app.api.reporting.csv import accept_preference, accept_ranges
from app.api.schemas import AmountOut, BusinessDate, CurrencyCode
from app.services.reporting.statements import open_statement

router = resource_router("/v1/customers", "reporting")

JSON = "application/json"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
MEDIA = (JSON, CSV, XLSX, PDF)  # on a tie, the first


def statement_media(request: Request) -> str:
    """The format ``Accept`` prefers (JSON when it names none); 406 when it accepts none."""
    accept = request.headers.get("accept")
    if not accept:
        return JSON
    ranges = accept_ranges(accept)
    best, best_key = None, (0.0, -1)
    for media in MEDIA:
        key = accept_preference(ranges, media)
        if key[0] > 0 and key > best_key:
            best, best_key = media, key
    if best is None:
        raise HTTPException(406, "a statement is available as JSON, CSV, XLSX or PDF")
    return best


class StatementLineOut(BaseModel):
    date: str
    kind: str = Field(description="invoice, allocation, unallocated, write_off, void or reversal")
    ref: str
    currency: str
    debit: AmountOut
    credit: AmountOut
    balance: AmountOut = Field(description="The running balance of the line's currency")


class StatementOut(BaseModel):
    customer_id: str
    customer_name: str
    company_name: str
    from_: str = Field(alias="from")
    to: str
    currencies: list[str]
    opening_balance: dict[str, AmountOut] = Field(description="Per currency")
    lines: list[StatementLineOut]
    closing_balance: dict[str, AmountOut] = Field(description="opening + debits - credits")
    totals: dict[str, dict[str, AmountOut]] = Field(description="Debits and credits per currency")
    ageing: dict[str, dict[str, AmountOut]] = Field(
        description="Per currency: invoices outstanding at `to` per bucket (`current`, "
        "`1_30`, `31_60`, `61_90`, `91_plus`) and `unallocated` cash (negative); they add up "
        "to the closing balance"
    )


def _binary(description: str) -> dict[str, Any]:
    return {"schema": {"type": "string", "format": "binary"}, "description": description}


@router.get(
    "/{customer_id}/statement",
    summary="A customer's statement (对账单): opening balance, every movement with a running "
    "balance, closing balance and its ageing",
    description="The balance is the customer's net position: open invoices minus unallocated "
    "cash, per currency (never added across currencies). Invoices are debits on `issued_on`; "
    "a payment is credited on `received_on`, one line per invoice it paid and one for its "
    "unallocated rest; write-offs and voids are credits, reversals debits. Opening + debits "
    "− credits = closing. `from` defaults to the first day of `to`'s month, `to` to today. "
    "`Accept`: `application/json` (default), `text/csv` (UTF-8 with BOM), "
    f"`{XLSX}` or `application/pdf` (the company's and the customer's names on it). Streamed.",
    response_model=None,
    responses={
        200: {
            "model": StatementOut,
            "description": "The statement",
            "content": {
                CSV: {"schema": {"type": "string"}},
                XLSX: _binary("A spreadsheet"),
                PDF: _binary("A printable statement"),
            },
        },
        406: problem_responses(406)[406],
        **problem_responses(404),
    },
)
async def get_customer_statement(
    customer_id: UUID,
    uow: UowDep,
    clock: ClockDep,
    platform: PlatformDep,
    _: Reader,
    media: Annotated[str, Depends(statement_media)],
    start: Annotated[
        BusinessDate | None, Query(alias="from", description="First day (inclusive)")
    ] = None,
    end: Annotated[
        BusinessDate | None, Query(alias="to", description="Last day (inclusive)")
    ] = None,
    currency: Annotated[CurrencyCode | None, Query(description="Only this currency")] = None,
) -> StreamingResponse:
    stack = AsyncExitStack()
    await stack.enter_async_context(uow)
    try:
        statement = await open_statement(uow, clock, customer_id, start, end, currency)
    except BaseException as exc:
        await stack.__aexit__(type(exc), exc, exc.__traceback__)
        raise
    company = platform.company_name
    if media == CSV:
        chunks = files.csv_chunks(statement)
    elif media == XLSX:
        chunks = files.xlsx_chunks(statement, company)
    elif media == PDF:
        chunks = files.pdf_chunks(statement, company, clock.today())
    else:
        chunks = files.json_chunks(statement, company)

    async def body() -> AsyncIterator[bytes]:
        async with stack:
            async for chunk in chunks:
                yield chunk

    name = f"statement-{customer_id}-{statement.period.start}-{statement.period.end}"
    extension = {JSON: "json", CSV: "csv", XLSX: "xlsx", PDF: "pdf"}[media]
    headers = {"Content-Disposition": f'attachment; filename="{name}.{extension}"'}
    content_type = f"{media}; charset=utf-8" if media in (JSON, CSV) else media
    return StreamingResponse(body(), media_type=content_type, headers=headers)

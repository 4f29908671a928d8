"""GET /v1/reports/progress-review: the pack for the weekly collection progress meeting,
as JSON, CSV, XLSX or printable HTML (``Accept``), titled in English or Chinese."""

from __future__ import annotations

from functools import partial
from typing import Annotated
from uuid import UUID

from fastapi import Query, Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from app.api.base import resource_router
from app.api.deps import ClockDep, PlatformDep, ReadContext, request_uow
from app.api.errors import problem_responses
from app.api.reporting.reports import CurrencyFilter
from app.api.reporting.review_formats import (
    Format,
    Lang,
    WantedFormat,
    filename,
    render_csv,
    render_xlsx,
    request_locale,
)
from app.api.reporting.review_html import render_html
from app.api.reporting.schemas.review import ProgressReviewOut
from app.api.schemas import BusinessDate
from app.services.reporting.review import progress_review
from app.services.reporting.review_document import review_document

DESCRIPTION = """\
Every section of the weekly progress meeting (回款进度会议), in order: targets (plan against
actual and pace), target curves, attainment by owner (and by organisation unit and project
where the service holds them), collected against the previous period, new overdue and
recovered, ageing at the end, promises made, kept and broken, risk flags opened and closed,
tasks done and overdue, the ten largest overdue customers with owner and next action,
unbilled and limitation-expiring items, next period's expected inflows. A section whose data
the service does not hold yet is `available: false`.

Default period: the last full week, Monday to Sunday, in HUIKUAN_TIMEZONE. Formats by
`Accept`: JSON (default), `text/csv` (sections one after another, each under a title row),
XLSX (a sheet per section) or `text/html` (printable A4 with inline SVG charts, no script).
`?lang=zh` or `Accept-Language: zh-CN` gives Chinese titles and headers; CSV and XLSX default
to English, HTML to HUIKUAN_LOCALE. JSON keys and values never change with the language."""

router = resource_router("/v1/reports", "reporting")


@router.get(
    "/progress-review",
    summary="The weekly collection progress review (回款进度会议) in one pack",
    description=DESCRIPTION,
    response_model=ProgressReviewOut,
    responses={
        200: {
            "model": ProgressReviewOut,
            "description": "JSON by default; CSV, XLSX or HTML by `Accept`",
            "content": {
                Format.CSV.value: {"schema": {"type": "string"}},
                Format.XLSX.value: {"schema": {"type": "string", "format": "binary"}},
                Format.HTML.value: {"schema": {"type": "string"}},
            },
        },
        406: problem_responses(406)[406],
    },
)
async def get_progress_review(
    request: Request,
    clock: ClockDep,
    platform: PlatformDep,
    ctx: ReadContext,
    wanted: WantedFormat,
    start: Annotated[
        BusinessDate | None,
        Query(alias="from", description="First day; default the Monday of last week"),
    ] = None,
    end: Annotated[
        BusinessDate | None, Query(alias="to", description="Last day; default `from` + 6 days")
    ] = None,
    org_unit_id: Annotated[
        UUID | None, Query(description="An organisation unit and its descendants")
    ] = None,
    currency: CurrencyFilter = None,
    lang: Lang = None,
) -> Response:
    # Each section reads in a transaction of its own, side by side.
    sections_uow = partial(request_uow, request, platform)
    review = await progress_review(sections_uow, clock, start, end, org_unit_id, currency, ctx)
    if wanted is Format.JSON:
        return JSONResponse(review_document(review))
    if wanted is Format.HTML:
        locale = request_locale(request, lang, platform.locale)
        return HTMLResponse(render_html(review, locale))
    locale = request_locale(request, lang, "en")
    disposition = "attachment; filename="
    if wanted is Format.CSV:
        return Response(
            render_csv(review, locale),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'{disposition}"{filename(review, "csv")}"'},
        )
    return Response(
        render_xlsx(review, locale),
        media_type=Format.XLSX.value,
        headers={"Content-Disposition": f'{disposition}"{filename(review, "xlsx")}"'},
    )

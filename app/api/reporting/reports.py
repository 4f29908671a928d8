"""/v1/reports: ageing, KPIs, forecast and performance; and a target's progress curve
(``/v1/targets/{id}/progress``, with the targets' tag). As JSON or CSV (``Accept``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Query
from starlette.responses import Response

from app.api.base import resource_router
from app.api.collection.schemas.paper_trail import LimitationReportOut
from app.api.deps import ClockDep, PlatformDep, ReadContext, Reader, UowDep
from app.api.errors import problem_responses
from app.api.reporting.csv import WantsCsv, report_response, report_responses
from app.api.reporting.schemas.reports import (
    AgingOut,
    ForecastOut,
    KpisOut,
    PerformanceOut,
    RetentionOut,
    TargetProgressOut,
)
from app.api.schemas import BusinessDate, CurrencyCode
from app.domain.reporting.report_tables import (
    Table,
    aging_table,
    curve_table,
    forecast_table,
    kpi_table,
    performance_table,
    table,
)
from app.domain.reporting.reports import AgingBasis, GroupBy, Interval
from app.domain.reporting.retention import RetentionGroupBy, retention_columns, retention_rows
from app.services.collection import limitation
from app.services.reporting import documents
from app.services.reporting import reports as use_cases

router = resource_router("/v1/reports", "reporting")
# The curve is a report over a target (collection reads no reports): its path is the
# targets', its tag (one per context) the reports'.
target_router = resource_router("/v1/targets", "reporting")

CurrencyFilter = Annotated[
    CurrencyCode | None, Query(description="Only this currency (ISO 4217); unknown: 422")
]
From = Annotated[BusinessDate | None, Query(alias="from", description="First day (inclusive)")]
To = Annotated[
    BusinessDate | None, Query(alias="to", description="Last day (inclusive); default today")
]

GROUP_BY = (
    "`org_unit`: one row per unit whose figures include its descendants' (units as people "
    "and projects were assigned at the report's day), each with `parent_id` and `depth`; "
    "`project`: one row per project. Money with no project and no placed owner is the "
    "`unassigned` row: the root units' rows plus it equal the totals."
)

NEGOTIATION = (
    " Send `Accept: text/csv` for a CSV table (UTF-8 with BOM, header row, one line per "
    "row); JSON otherwise. Amounts are per currency, never summed across currencies; days "
    "have one decimal, percentages two, and a ratio whose base is zero is null."
)


@router.get(
    "/aging",
    summary="Receivables ageing: outstanding per overdue bucket, per group and currency",
    description="Buckets `current` (not yet due), `1_30`, `31_60`, `61_90`, `91_plus` days "
    "overdue on `as_of` (default today). A past `as_of` gives the figures as they were on "
    "that day: payments received after it do not count. The totals always equal the "
    "outstanding amount. `basis=installment` ages each installment's outstanding (invoiced "
    "or not) by its due date; one awaiting its milestone is `current` (not due). `unbilled` "
    "(apart, not in the total) is what installments due `HUIKUAN_UNBILLED_AFTER_DAYS` ago "
    "or more still have un-invoiced." + NEGOTIATION,
    response_model=AgingOut,
    responses=report_responses(AgingOut),
)
async def get_aging_report(
    uow: UowDep,
    platform: PlatformDep,
    _: Reader,
    as_csv: WantsCsv,
    as_of: Annotated[BusinessDate | None, Query(description="Default: today")] = None,
    group_by: Annotated[GroupBy, Query(description=GROUP_BY)] = GroupBy.CUSTOMER,
    basis: AgingBasis = AgingBasis.INVOICE,
    currency: CurrencyFilter = None,
) -> Response:
    if not as_csv:
        async with uow:
            body = await use_cases.aging_json(
                uow,
                platform.clock,
                as_of,
                group_by,
                basis,
                currency,
                platform.unbilled_after_days,
            )
        return Response(body, media_type="application/json")
    async with uow:
        report = await use_cases.aging(
            uow, platform.clock, as_of, group_by, basis, currency, platform.unbilled_after_days
        )
    return report_response(
        as_csv,
        lambda: documents.aging_document(report),
        lambda: aging_table(report),
        f"aging-{report.as_of.isoformat()}.csv",
    )


@router.get(
    "/kpis",
    summary="Collection KPIs per currency: billed, collected, DSO, best possible DSO, ADD, "
    "CEI, on-time rate, overdue, disputed and on hold",
    description="Over `from`..`to` (both included; default the 30 days ending today)."
    + NEGOTIATION,
    response_model=KpisOut,
    responses=report_responses(KpisOut),
)
async def get_kpi_report(
    uow: UowDep,
    platform: PlatformDep,
    _: Reader,
    as_csv: WantsCsv,
    start: From = None,
    end: To = None,
    currency: CurrencyFilter = None,
    group_by: Annotated[GroupBy, Query(description=GROUP_BY)] = GroupBy.NONE,
) -> Response:
    async with uow:
        report = await use_cases.kpis(
            uow, platform.clock, start, end, currency, group_by, platform.unbilled_after_days
        )
    period = report.period
    return report_response(
        as_csv,
        lambda: documents.kpi_document(report, currency),
        lambda: kpi_table(period.start, period.end, report.kpis, group_by, report.groups),
        f"kpis-{period.start.isoformat()}-{period.end.isoformat()}.csv",
    )


@router.get(
    "/forecast",
    summary="Expected inflows per week or month from open installments, invoices and promises",
    description="From `from` (default today) to `to` (default 90 days on). A promise "
    "replaces the invoice amount it covers; what was expected before today shows apart "
    "as `overdue`; every period is listed, empty ones as zeros." + NEGOTIATION,
    response_model=ForecastOut,
    responses=report_responses(ForecastOut),
)
async def get_forecast_report(
    uow: UowDep,
    clock: ClockDep,
    _: Reader,
    as_csv: WantsCsv,
    start: Annotated[BusinessDate | None, Query(alias="from", description="Default: today")] = None,
    end: Annotated[
        BusinessDate | None, Query(alias="to", description="Default: `from` + 89 days")
    ] = None,
    interval: Annotated[
        Literal["week", "month"], Query(description="ISO weeks from Monday, or months")
    ] = "week",
    currency: CurrencyFilter = None,
    group_by: Annotated[GroupBy, Query(description=GROUP_BY)] = GroupBy.NONE,
) -> Response:
    async with uow:
        report = await use_cases.forecast_report(
            uow, clock, start, end, Interval(interval), currency, group_by
        )
    whole = report.whole
    return report_response(
        as_csv,
        lambda: documents.forecast_document(report, currency),
        lambda: forecast_table(whole, group_by, report.groups),
        f"forecast-{whole.start.isoformat()}-{whole.end.isoformat()}.csv",
    )


@router.get(
    "/performance",
    summary="Per owner: collected, target amount, attainment, on-time rate, tasks done and "
    "overdue, promises kept rate",
    description="Over `from`..`to` (both included; default the 30 days ending today)."
    + NEGOTIATION,
    response_model=PerformanceOut,
    responses=report_responses(PerformanceOut),
)
async def get_performance_report(
    uow: UowDep,
    clock: ClockDep,
    _: Reader,
    as_csv: WantsCsv,
    start: From = None,
    end: To = None,
    currency: CurrencyFilter = None,
    group_by: Annotated[
        Literal["none", "org_unit", "project"], Query(description=GROUP_BY)
    ] = "none",
) -> Response:
    async with uow:
        report = await use_cases.performance(uow, clock, start, end, currency, GroupBy(group_by))
    period = report.period
    return report_response(
        as_csv,
        lambda: documents.performance_document(report, currency),
        lambda: performance_table(report.lines, report.group_by, report.labels),
        f"performance-{period.start.isoformat()}-{period.end.isoformat()}.csv",
    )


@router.get(
    "/retention",
    summary="Retention money (质保金) held by customers: amount, release date, days past "
    "release, collected and outstanding",
    description="Every live installment of kind `retention`, as of `as_of` (default today): "
    "its release date is its due date, or null while it awaits its milestone "
    "(`awaiting_milestone`). `group_by=customer`, `project` or `org_unit` (rolled up: a "
    "unit's group includes its descendants'; `unassigned` gathers what has no unit or "
    "project; the totals count each installment once)." + NEGOTIATION,
    response_model=RetentionOut,
    responses=report_responses(RetentionOut),
)
async def get_retention_report(
    uow: UowDep,
    clock: ClockDep,
    _: Reader,
    as_csv: WantsCsv,
    as_of: Annotated[BusinessDate | None, Query(description="Default: today")] = None,
    group_by: Annotated[
        Literal["customer", "project", "org_unit"],
        Query(description="Org units include the units below them; `unassigned`: no unit"),
    ] = "customer",
    currency: CurrencyFilter = None,
) -> Response:
    async with uow:
        report = await use_cases.retention(uow, clock, as_of, RetentionGroupBy(group_by), currency)
    return report_response(
        as_csv,
        lambda: documents.retention_document(report, currency),
        lambda: table(retention_columns(report.group_by), retention_rows(report)),
        f"retention-{report.as_of.isoformat()}.csv",
    )


@router.get(
    "/limitation",
    summary="Open receivables whose limitation period (诉讼时效) ends within some days",
    description="Invoices and installments not yet invoiced whose period ends on or before "
    "`as_of` (default today) + `within_days` (default the widest of "
    "HUIKUAN_LIMITATION_WARN_DAYS), expired ones included, soonest first."
    " Send `Accept: text/csv` for a CSV table (UTF-8 with BOM); JSON otherwise.",
    response_model=LimitationReportOut,
    responses=report_responses(LimitationReportOut),
)
async def get_limitation_report(
    uow: UowDep,
    ctx: ReadContext,
    as_csv: WantsCsv,
    as_of: Annotated[BusinessDate | None, Query(description="Default: today")] = None,
    within_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    customer_id: Annotated[UUID | None, Query(description="Only this customer's")] = None,
) -> Response:
    day = as_of or ctx.clock.today()
    days = max(ctx.limitation_warn_days) if within_days is None else within_days
    async with uow:
        lines = await limitation.expiring(uow, ctx, days, day, customer_id)
    return report_response(
        as_csv,
        lambda: {
            "as_of": day.isoformat(),
            "within_days": days,
            "lines": [line.document(day) for line in lines],
        },
        lambda: limitation_table([line.document(day) for line in lines]),
        f"limitation-{day.isoformat()}.csv",
    )


def limitation_table(lines: list[dict[str, Any]]) -> Table:
    columns = (
        "kind", "id", "customer_id", "customer_name", "ref", "due_date", "currency",
        "outstanding", "starts_on", "expires_on", "days_left", "expired",
        "last_interruption_on", "last_interruption_kind",
    )  # fmt: skip
    rows = []
    for line in lines:
        period, last = line["limitation"], line["limitation"]["last_interruption"] or {}
        rows.append(
            tuple(
                str(v)
                for v in (
                    line["kind"],
                    line["id"],
                    line["customer_id"],
                    line["customer_name"],
                    line["ref"],
                    line["due_date"],
                    line["currency"],
                    line["outstanding"],
                    period["starts_on"],
                    period["expires_on"],
                    line["days_left"],
                    str(line["expired"]).lower(),
                    last.get("on", ""),
                    last.get("kind", ""),
                )
            )
        )
    return Table(columns, rows)


@target_router.get(
    "/{target_id}/progress",
    summary="A target's cumulative collected curve against its expected curve",
    description="One point at the end of each day or ISO week of the period: `collected` "
    "so far (null for periods not started yet) and `expected` by then, as progress computes "
    "it. `Accept: text/csv` gives a CSV table.",
    response_model=TargetProgressOut,
    responses={**report_responses(TargetProgressOut), **problem_responses(404)},
)
async def get_target_progress(
    target_id: UUID,
    uow: UowDep,
    clock: ClockDep,
    _: Reader,
    as_csv: WantsCsv,
    interval: Annotated[
        Literal["day", "week"], Query(description="Points per day or week")
    ] = "day",
) -> Response:
    async with uow:
        curve = await use_cases.target_progress(uow, clock, target_id, Interval(interval))
    return report_response(
        as_csv,
        lambda: documents.curve_document(curve),
        lambda: curve_table(curve),
        f"target-{target_id}-progress.csv",
    )

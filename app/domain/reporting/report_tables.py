"""Reports as flat tables: a header and one row of text cells per line, for CSV.

The JSON documents nest (a row's buckets, an owner's currencies); a table has one line per
row instead, with the group's columns repeated. Amounts are written as on the wire (the
currency's minor units), ratios as decimal strings, unknown values as empty cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from app.domain.money import Money
from app.domain.reporting.kpis import Kpis
from app.domain.reporting.reports import (
    BUCKETS,
    AgingReport,
    AgingSums,
    Forecast,
    ForecastLine,
    ForecastSource,
    GroupBy,
    PerformanceLine,
)
from app.domain.reporting.target_curve import ProgressCurve

Cell = str | Money | Decimal | date | UUID | int | None


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]


def cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Money):
        return value.to_wire()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table(columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> Table:
    return Table(tuple(columns), [tuple(cell(v) for v in row) for row in rows])


BUCKET_NAMES = [b.value for b in BUCKETS]


def aging_table(report: AgingReport) -> Table:
    """Group lines first, then one ``total`` line per currency (``line`` tells them apart)."""
    group_columns = {
        GroupBy.CUSTOMER: ["customer_id", "customer_name"],
        GroupBy.OWNER: ["owner"],
        GroupBy.NONE: [],
    }[report.group_by]

    def line(kind: str, row: AgingSums) -> list[Cell]:
        group: list[Cell] = []
        if group_columns and not row.is_total:
            group = [row.key, row.name] if report.group_by is GroupBy.CUSTOMER else [row.key]
        elif group_columns:
            group = [None] * len(group_columns)
        buckets: list[Cell] = [row.buckets[b] for b in BUCKETS]
        unbilled = row.unbilled or Money.zero(row.currency)
        return [kind, row.currency, *group, *buckets, row.total, unbilled]

    rows = [line("group", r) for r in report.groups] + [line("total", r) for r in report.totals]
    columns = ["line", "currency", *group_columns, *BUCKET_NAMES, "total", "unbilled"]
    return table(columns, rows)


KPI_COLUMNS = (
    "currency",
    "from",
    "to",
    "period_days",
    "billed",
    "collected",
    "opening_receivables",
    "closing_receivables",
    "current_receivables",
    "overdue",
    "disputed",
    "on_hold",
    "falling_due",
    "collected_on_time",
    "unbilled",
    "dso",
    "best_possible_dso",
    "average_days_delinquent",
    "cei",
    "on_time_rate",
)


def kpi_values(k: Kpis) -> list[Cell]:
    """The KPI columns after ``currency, from, to`` in ``KPI_COLUMNS`` order."""
    return [
        k.period_days,
        k.billed,
        k.collected,
        k.opening_receivables,
        k.closing_receivables,
        k.closing_current,
        k.overdue,
        k.disputed,
        k.on_hold,
        k.falling_due,
        k.collected_on_time,
        k.unbilled,
        k.dso,
        k.best_possible_dso,
        k.average_days_delinquent,
        k.cei,
        k.on_time_rate,
    ]


def kpi_table(start: date, end: date, kpis: Sequence[Kpis]) -> Table:
    return table(KPI_COLUMNS, [[k.currency, start, end, *kpi_values(k)] for k in kpis])


SOURCES = [s.value for s in ForecastSource]


def forecast_table(report: Forecast) -> Table:
    """One line per currency and period, then one ``overdue`` line per currency."""

    def line(kind: str, row: ForecastLine) -> list[Cell]:
        start = row.period.start if row.period else None
        end = row.period.end if row.period else None
        amounts: list[Cell] = [row.amounts[s] for s in ForecastSource]
        return [kind, row.currency, start, end, *amounts, row.total]

    rows = [line("period", r) for r in report.lines] + [line("overdue", r) for r in report.overdue]
    return table(["line", "currency", "period_start", "period_end", *SOURCES, "total"], rows)


PERFORMANCE_COLUMNS = (
    "owner",
    "currency",
    "collected",
    "target_amount",
    "attainment",
    "falling_due",
    "collected_on_time",
    "on_time_rate",
    "tasks_done",
    "tasks_overdue",
    "promises_due",
    "promises_kept",
    "promises_kept_rate",
)


def performance_table(lines: Sequence[PerformanceLine]) -> Table:
    """One line per owner and currency (an owner with no money has one line without a
    currency); the task and promise counts repeat on each of an owner's lines."""
    rows: list[list[Cell]] = []
    for line in lines:
        counts: list[Cell] = [
            line.counts.tasks_done,
            line.counts.tasks_overdue,
            line.counts.promises_due,
            line.counts.promises_kept,
            line.promises_kept_rate,
        ]
        money: list[list[Cell]] = [
            [
                c.currency,
                c.collected,
                c.target_amount,
                c.attainment,
                c.falling_due,
                c.collected_on_time,
                c.on_time_rate,
            ]
            for c in line.currencies
        ] or [[None] * 7]
        rows.extend([line.owner, *m, *counts] for m in money)
    return table(PERFORMANCE_COLUMNS, rows)


def curve_table(curve: ProgressCurve) -> Table:
    return table(
        ["date", "currency", "collected", "expected"],
        [[p.day, curve.target.currency, p.collected, p.expected] for p in curve.points],
    )

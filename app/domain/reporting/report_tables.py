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
    GroupLabel,
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


GROUP_COLUMNS: dict[GroupBy, list[str]] = {
    GroupBy.CUSTOMER: ["customer_id", "customer_name"],
    GroupBy.OWNER: ["owner"],
    GroupBy.NONE: [],
    GroupBy.ORG_UNIT: ["org_unit_id", "org_unit_name", "parent_id", "depth"],
    GroupBy.PROJECT: ["project_id", "project_name"],
}


def group_cells(
    group_by: GroupBy, key: Cell, name: str | None, parent_id: Cell, depth: int | None
) -> list[Cell]:
    """A group's cells; the group of money without a unit or project is ``unassigned``."""
    if group_by is GroupBy.OWNER:
        return [key]
    if group_by is GroupBy.CUSTOMER:
        return [key, name]
    if group_by is GroupBy.PROJECT:
        return [key, name] if key is not None else [None, "unassigned"]
    if key is None:
        return [None, "unassigned", None, None]
    return [key, name, parent_id, depth]


def aging_table(report: AgingReport) -> Table:
    """Group lines first, then one ``total`` line per currency (``line`` tells them apart)."""
    group_columns = GROUP_COLUMNS[report.group_by]

    def line(kind: str, row: AgingSums) -> list[Cell]:
        group: list[Cell] = []
        if group_columns and not row.is_total:
            group = group_cells(report.group_by, row.key, row.name, row.parent_id, row.depth)
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


def kpi_table(
    start: date,
    end: date,
    kpis: Sequence[Kpis],
    group_by: GroupBy = GroupBy.NONE,
    groups: Sequence[tuple[GroupLabel, Kpis]] = (),
) -> Table:
    """One line per currency; grouped, the group lines first, then one ``total`` line per
    currency (``line`` tells them apart)."""
    if group_by is GroupBy.NONE:
        return table(KPI_COLUMNS, [[k.currency, start, end, *kpi_values(k)] for k in kpis])
    columns = GROUP_COLUMNS[group_by]
    rows: list[list[Cell]] = [
        [
            "group",
            *group_cells(group_by, g.key, g.name, g.parent_id, g.depth),
            k.currency,
            start,
            end,
            *kpi_values(k),
        ]
        for g, k in groups
    ]
    rows += [
        ["total", *[None] * len(columns), k.currency, start, end, *kpi_values(k)] for k in kpis
    ]
    return table(["line", *columns, *KPI_COLUMNS], rows)


SOURCES = [s.value for s in ForecastSource]


def forecast_table(
    report: Forecast,
    group_by: GroupBy = GroupBy.NONE,
    groups: Sequence[tuple[GroupLabel, Forecast]] = (),
) -> Table:
    """One line per currency and period, then one ``overdue`` line per currency; grouped,
    each group's lines (with the group's columns) come before the whole book's."""
    columns = GROUP_COLUMNS[group_by]

    def line(kind: str, row: ForecastLine, group: list[Cell]) -> list[Cell]:
        start = row.period.start if row.period else None
        end = row.period.end if row.period else None
        amounts: list[Cell] = [row.amounts[s] for s in ForecastSource]
        return [kind, *group, row.currency, start, end, *amounts, row.total]

    def lines(part: Forecast, group: list[Cell]) -> list[list[Cell]]:
        return [line("period", r, group) for r in part.lines] + [
            line("overdue", r, group) for r in part.overdue
        ]

    rows: list[list[Cell]] = []
    for g, part in groups:
        rows += lines(part, group_cells(group_by, g.key, g.name, g.parent_id, g.depth))
    rows += lines(report, [None] * len(columns))
    header = ["line", *columns, "currency", "period_start", "period_end", *SOURCES, "total"]
    return table(header, rows)


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


def performance_table(
    lines: Sequence[PerformanceLine],
    group_by: GroupBy = GroupBy.NONE,
    labels: Sequence[GroupLabel] = (),
) -> Table:
    """One line per owner and currency (an owner with no money has one line without a
    currency); the task and promise counts repeat on each of an owner's lines. Grouped, the
    group's columns stand where ``owner`` does."""
    rows: list[list[Cell]] = []
    for index, line in enumerate(lines):
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
        if group_by is GroupBy.NONE:
            rows.extend([line.owner, *m, *counts] for m in money)
        else:
            g = labels[index]
            group = group_cells(group_by, g.key, g.name, g.parent_id, g.depth)
            rows.extend([*group, *m, *counts] for m in money)
    if group_by is GroupBy.NONE:
        return table(PERFORMANCE_COLUMNS, rows)
    return table([*GROUP_COLUMNS[group_by], *PERFORMANCE_COLUMNS[1:]], rows)


def curve_table(curve: ProgressCurve) -> Table:
    return table(
        ["date", "currency", "collected", "expected"],
        [[p.day, curve.target.currency, p.collected, p.expected] for p in curve.points],
    )

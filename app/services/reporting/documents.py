"""Reports as JSON documents: amounts as strings in their currency's minor units, ratios as
decimal strings (days with one decimal, percentages with two), unknown ratios null."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

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
)
from app.domain.reporting.retention import (
    RetentionGroup,
    RetentionGroupBy,
    RetentionReport,
    retention_totals,
)
from app.domain.reporting.target_curve import ProgressCurve
from app.services.reporting.reports import ForecastReport, KpiReport, PerformanceReport


def _ratio(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


ORGANISED = (GroupBy.ORG_UNIT, GroupBy.PROJECT)


def group_fields(
    group_by: GroupBy,
    key: object,
    name: str | None,
    parent_id: object = None,
    depth: int | None = None,
    is_total: bool = False,
) -> dict[str, Any]:
    """What names a group of a report grouped by org unit or project: its id and name
    (the unit's ``parent_id`` and ``depth`` too), and ``unassigned`` for the group of money
    that has none; nothing for other groupings (their fields are the report's own)."""
    if group_by is GroupBy.ORG_UNIT:
        return {
            "org_unit_id": None if is_total or key is None else str(key),
            "org_unit_name": None if is_total else name,
            "parent_id": None if parent_id is None else str(parent_id),
            "depth": depth,
            "unassigned": not is_total and key is None,
        }
    if group_by is GroupBy.PROJECT:
        return {
            "project_id": None if is_total or key is None else str(key),
            "project_name": None if is_total else name,
            "unassigned": not is_total and key is None,
        }
    return {}


def _aging_row(report: AgingReport, row: AgingSums) -> dict[str, Any]:
    by_customer = report.group_by is GroupBy.CUSTOMER and not row.is_total
    by_owner = report.group_by is GroupBy.OWNER and not row.is_total
    return {
        "currency": row.currency,
        "customer_id": str(row.key) if by_customer and row.key is not None else None,
        "customer_name": row.name if by_customer else None,
        "owner": row.key if by_owner else None,
        **group_fields(report.group_by, row.key, row.name, row.parent_id, row.depth, row.is_total),
        "buckets": {b.value: row.buckets[b].to_wire() for b in BUCKETS},
        "total": row.total.to_wire(),
        "unbilled": (row.unbilled or Money.zero(row.currency)).to_wire(),
    }


def aging_document(report: AgingReport) -> dict[str, Any]:
    return {
        "as_of": report.as_of.isoformat(),
        "basis": report.basis.value,
        "group_by": report.group_by.value,
        "currency": report.currency,
        "groups": [_aging_row(report, r) for r in report.groups],
        "totals": [_aging_row(report, r) for r in report.totals],
    }


def _kpi_row(k: Kpis) -> dict[str, Any]:
    return {
        "currency": k.currency,
        "billed": k.billed.to_wire(),
        "collected": k.collected.to_wire(),
        "opening_receivables": k.opening_receivables.to_wire(),
        "closing_receivables": k.closing_receivables.to_wire(),
        "current_receivables": k.closing_current.to_wire(),
        "overdue": k.overdue.to_wire(),
        "disputed": k.disputed.to_wire(),
        "on_hold": k.on_hold.to_wire(),
        "falling_due": k.falling_due.to_wire(),
        "collected_on_time": k.collected_on_time.to_wire(),
        "unbilled": k.unbilled.to_wire(),
        "dso": _ratio(k.dso),
        "best_possible_dso": _ratio(k.best_possible_dso),
        "average_days_delinquent": _ratio(k.average_days_delinquent),
        "cei": _ratio(k.cei),
        "on_time_rate": _ratio(k.on_time_rate),
    }


def label_fields(group_by: GroupBy, label: GroupLabel) -> dict[str, Any]:
    """A group's naming fields in the KPIs, forecast and performance reports."""
    if group_by is GroupBy.CUSTOMER:
        key = None if label.key is None else str(label.key)
        return {"customer_id": key, "customer_name": label.name}
    if group_by is GroupBy.OWNER:
        return {"owner": label.key}
    return group_fields(group_by, label.key, label.name, label.parent_id, label.depth)


def kpi_document(report: KpiReport, currency: str | None) -> dict[str, Any]:
    document = {
        "from": report.period.start.isoformat(),
        "to": report.period.end.isoformat(),
        "period_days": (report.period.end - report.period.start).days + 1,
        "currency": currency,
        "data": [_kpi_row(k) for k in report.kpis],
    }
    if report.group_by is not GroupBy.NONE:
        document["group_by"] = report.group_by.value
        document["groups"] = [
            {**label_fields(report.group_by, label), **_kpi_row(k)} for label, k in report.groups
        ]
    return document


def _amounts(line: ForecastLine) -> dict[str, Any]:
    return {
        **{s.value: line.amounts[s].to_wire() for s in ForecastSource},
        "total": line.total.to_wire(),
    }


def forecast_document(report: ForecastReport, currency: str | None) -> dict[str, Any]:
    document = _forecast_body(report.whole, currency)
    if report.group_by is not GroupBy.NONE:
        document["group_by"] = report.group_by.value
        document["groups"] = [
            {**label_fields(report.group_by, label), **_forecast_lines(part)}
            for label, part in report.groups
        ]
    return document


def _forecast_body(report: Forecast, currency: str | None) -> dict[str, Any]:
    return {
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "interval": report.interval.value,
        "today": report.today.isoformat(),
        "currency": currency,
        **_forecast_lines(report),
    }


def _forecast_lines(report: Forecast) -> dict[str, Any]:
    return {
        "periods": [
            {
                "period_start": line.period.start.isoformat(),
                "period_end": line.period.end.isoformat(),
                "currency": line.currency,
                **_amounts(line),
            }
            for line in report.lines
            if line.period is not None
        ],
        "overdue": [{"currency": line.currency, **_amounts(line)} for line in report.overdue],
    }


def performance_document(report: PerformanceReport, currency: str | None) -> dict[str, Any]:
    grouped = report.group_by is not GroupBy.NONE
    labels = report.labels if grouped else [None] * len(report.lines)
    document = {
        "from": report.period.start.isoformat(),
        "to": report.period.end.isoformat(),
        "today": report.today.isoformat(),
        "currency": currency,
        "data": [
            {
                "owner": None if grouped else line.owner,
                **({} if label is None else label_fields(report.group_by, label)),
                "currencies": [
                    {
                        "currency": c.currency,
                        "collected": c.collected.to_wire(),
                        "target_amount": c.target_amount.to_wire(),
                        "attainment": _ratio(c.attainment),
                        "falling_due": c.falling_due.to_wire(),
                        "collected_on_time": c.collected_on_time.to_wire(),
                        "on_time_rate": _ratio(c.on_time_rate),
                    }
                    for c in line.currencies
                ],
                "tasks_done": line.counts.tasks_done,
                "tasks_overdue": line.counts.tasks_overdue,
                "promises_due": line.counts.promises_due,
                "promises_kept": line.counts.promises_kept,
                "promises_kept_rate": _ratio(line.promises_kept_rate),
            }
            for line, label in zip(report.lines, labels, strict=True)
        ],
    }
    if grouped:
        document["group_by"] = report.group_by.value
    return document


def _wire(money: Money | None) -> str | None:
    return None if money is None else money.to_wire()


def curve_document(curve: ProgressCurve) -> dict[str, Any]:
    target = curve.target
    return {
        "target_id": str(target.id),
        "currency": target.currency,
        "amount": target.amount.to_wire(),
        "period_start": target.period_start.isoformat(),
        "period_end": target.period_end.isoformat(),
        "interval": curve.interval.value,
        "today": curve.today.isoformat(),
        "expected_basis": curve.expected_basis.value,
        "points": [
            {
                "date": p.day.isoformat(),
                "collected": _wire(p.collected),
                "expected": _wire(p.expected),
            }
            for p in curve.points
        ],
    }


def retention_document(report: RetentionReport, currency: str | None) -> dict[str, Any]:
    day = report.as_of
    return {
        "as_of": day.isoformat(),
        "group_by": report.group_by.value,
        "currency": currency,
        "groups": [
            {
                **_retention_group(report.group_by, group),
                "currency": group.currency,
                "amount": group.total("amount").to_wire(),
                "collected": group.total("collected").to_wire(),
                "outstanding": group.total("outstanding").to_wire(),
                "past_release": group.past_release(day).to_wire(),
                "items": [
                    {
                        "installment_id": str(line.installment_id),
                        "contract_id": str(line.contract_id),
                        "contract_name": line.contract_name,
                        "name": line.name,
                        "amount": line.amount.to_wire(),
                        "release_date": _day(line.release_date),
                        "awaiting_milestone": line.milestone if line.release_date is None else None,
                        "days_past_release": line.days_past_release(day),
                        "collected": line.collected.to_wire(),
                        "outstanding": line.outstanding.to_wire(),
                    }
                    for line in group.lines
                ],
            }
            for group in report.groups
        ],
        "totals": [
            {
                "currency": code,
                "amount": amount.to_wire(),
                "collected": collected.to_wire(),
                "outstanding": outstanding.to_wire(),
            }
            for code, amount, collected, outstanding in retention_totals(report)
        ],
    }


def _retention_group(by: RetentionGroupBy, group: RetentionGroup) -> dict[str, Any]:
    key = None if group.key is None else str(group.key)
    if by is RetentionGroupBy.CUSTOMER:
        return {"customer_id": key, "customer_name": group.name}
    fields: dict[str, Any] = {f"{by.value}_id": key, f"{by.value}_name": group.name}
    if by is RetentionGroupBy.ORG_UNIT:
        parent = None if group.parent_id is None else str(group.parent_id)
        fields.update(parent_id=parent, depth=group.depth)
    return {**fields, "unassigned": group.key is None}


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()

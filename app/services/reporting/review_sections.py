"""The progress review's sections, one function each, in the order of the pack. Each reads
the existing report queries (ageing, KPIs, forecast, performance, target progress), the
rules' own queries (unbilled, limitation) or ``ReviewQueries``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from uuid import UUID

from app.domain.collection.targets import target_progress
from app.domain.money import Money
from app.domain.reporting.kpis import Kpis
from app.domain.reporting.reports import (
    BUCKETS,
    GroupBy,
    Interval,
)
from app.domain.reporting.review import (
    CURVES,
    Section,
    change,
)
from app.domain.reporting.target_curve import progress_curve
from app.services.reporting.review_inputs import (
    BUCKET_COLUMNS,
    Inputs,
    Row,
)
from app.services.reporting.review_lookouts import (
    limitation_expiring_section,
    next_period_section,
    top_overdue_customers_section,
    unbilled_section,
)


def _overdue(kpis: Sequence[Kpis], currency: str) -> Money:
    for k in kpis:
        if k.currency == currency:
            return k.overdue
    return Money.zero(currency)


TARGET_COLUMNS = (
    "target_id", "name", "scope", "owner", "currency", "period_start", "period_end", "amount",
    "collected", "expected_to_date", "percent", "pace", "status",
)  # fmt: skip


async def targets_section(inputs: Inputs) -> Section:
    """Targets meeting the period: plan (expected to date) against actual, and pace."""
    found = await inputs.targets()
    sums = (await inputs.target_sums()).sums
    rows: list[Row] = []
    for target in found:
        progress = target_progress(target, sums[target.id], inputs.today)
        rows.append(
            {
                "target_id": target.id,
                "name": target.name,
                "scope": target.scope.value,
                "owner": target.owner,
                "currency": target.currency,
                "period_start": target.period_start,
                "period_end": target.period_end,
                "amount": target.amount,
                "collected": progress.collected,
                "expected_to_date": progress.expected_to_date,
                "percent": progress.percent,
                "pace": progress.pace.value,
                "status": progress.status.value,
            }
        )
    return Section("targets", TARGET_COLUMNS, rows)


async def target_curves_section(inputs: Inputs) -> Section:
    """Daily cumulative collected against expected for the period's largest targets."""
    columns = ("target_id", "name", "currency", "day", "collected", "expected")
    rows: list[Row] = []
    known = (await inputs.target_sums()).daily
    for target in list(await inputs.targets())[:CURVES]:
        # Summed per day with the others (owners, customers, ...), else read on its own.
        daily = known.get(target.id) or await inputs.uow.reports.target_daily(target)
        curve = progress_curve(target, daily.collected, daily.planned, inputs.today, Interval.DAY)
        for point in curve.points:
            rows.append(
                {
                    "target_id": target.id,
                    "name": target.name,
                    "currency": target.currency,
                    "day": point.day,
                    "collected": point.collected,
                    "expected": point.expected,
                }
            )
    return Section("target_curves", columns, rows)


async def by_owner_section(inputs: Inputs) -> Section:
    """Per owner: collected against their targets (prorated to the period), attainment."""
    columns = ("owner", "currency", "collected", "target_amount", "attainment", "on_time_rate")
    report = await inputs.performance()
    rows: list[Row] = [
        {
            "owner": line.owner,
            "currency": money.currency,
            "collected": money.collected,
            "target_amount": money.target_amount,
            "attainment": money.attainment,
            "on_time_rate": money.on_time_rate,
        }
        for line in report.lines
        for money in line.currencies
        if inputs.org_unit_id is None or line.owner in inputs.members
    ]
    return Section("by_owner", columns, rows)


async def by_org_unit_section(inputs: Inputs) -> Section:
    """Attainment per organisation unit (rolled up: a unit's row includes its descendants'),
    as the performance report groups it; with a unit, that unit and the units below it."""
    columns = (
        "org_unit_id", "org_unit", "depth", "currency", "collected", "target_amount",
        "attainment", "on_time_rate",
    )  # fmt: skip
    report = await inputs.grouped_performance(GroupBy.ORG_UNIT)
    rows: list[Row] = []
    for label, line in zip(report.labels, report.lines, strict=True):
        key = label.key
        if inputs.org_unit_id is not None and key not in inputs.units:
            continue
        for money in line.currencies:
            rows.append(
                {
                    "org_unit_id": key if isinstance(key, UUID) else None,
                    "org_unit": label.name,
                    "depth": label.depth,
                    "currency": money.currency,
                    "collected": money.collected,
                    "target_amount": money.target_amount,
                    "attainment": money.attainment,
                    "on_time_rate": money.on_time_rate,
                }
            )
    return Section("by_org_unit", columns, rows)


async def by_project_section(inputs: Inputs) -> Section:
    """Plan against actual per project, as the performance report groups it."""
    columns = (
        "project_id", "project", "currency", "collected", "target_amount", "attainment",
        "on_time_rate",
    )  # fmt: skip
    report = await inputs.grouped_performance(GroupBy.PROJECT)
    rows: list[Row] = [
        {
            "project_id": label.key if isinstance(label.key, UUID) else None,
            "project": label.name,
            "currency": money.currency,
            "collected": money.collected,
            "target_amount": money.target_amount,
            "attainment": money.attainment,
            "on_time_rate": money.on_time_rate,
        }
        for label, line in zip(report.labels, report.lines, strict=True)
        for money in line.currencies
        if inputs.org_unit_id is None or label.key in inputs.projects
    ]
    return Section("by_project", columns, rows)


async def collection_section(inputs: Inputs) -> Section:
    """Collected this period against the previous one, with the period's KPIs."""
    columns = (
        "currency", "collected", "previous_collected", "change_percent", "billed",
        "closing_receivables", "overdue", "dso", "cei", "on_time_rate",
    )  # fmt: skip
    period, previous = inputs.period, inputs.period.previous
    now = await inputs.kpis(period)
    earlier = {k.currency: k for k in await inputs.kpis(previous)}
    rows: list[Row] = []
    for currency in sorted({k.currency for k in now} | set(earlier)):
        k = next((k for k in now if k.currency == currency), None)
        zero = Money.zero(currency)
        collected = k.collected if k else zero
        previous_collected = earlier[currency].collected if currency in earlier else zero
        rows.append(
            {
                "currency": currency,
                "collected": collected,
                "previous_collected": previous_collected,
                "change_percent": change(collected, previous_collected),
                "billed": k.billed if k else zero,
                "closing_receivables": k.closing_receivables if k else None,
                "overdue": k.overdue if k else None,
                "dso": k.dso if k else None,
                "cei": k.cei if k else None,
                "on_time_rate": k.on_time_rate if k else None,
            }
        )
    return Section("collection", columns, rows)


async def overdue_movement_section(inputs: Inputs) -> Section:
    """Overdue at the start and the end, what fell overdue and what was recovered."""
    columns = ("currency", "overdue_at_start", "new_overdue", "recovered", "overdue_at_end")
    # Overdue at a day's end is the KPIs' closing less its part not yet due: at the end of
    # the previous period (the day before this one) and at the end of this one. The same
    # as the ageing's total less its current bucket, as its receivable terms are.
    start = await inputs.kpis(inputs.period.previous)
    end = await inputs.kpis(inputs.period)
    # With a unit: money of contracts whose unit (as at the end) is the unit or one below.
    movement = {m.key: m for m in await inputs.uow.review.overdue_movement(inputs.query)}
    # The currencies with receivables at either end (as the ageing lists them) or movement.
    held = {k.currency for k in (*start, *end) if not k.closing_receivables.is_zero()}
    currencies = held | set(movement)
    rows: list[Row] = []
    for currency in sorted(currencies):
        zero = Money.zero(currency)
        moved = movement.get(currency)
        rows.append(
            {
                "currency": currency,
                "overdue_at_start": _overdue(start, currency),
                "new_overdue": moved.money.get("new_overdue", zero) if moved else zero,
                "recovered": moved.money.get("recovered", zero) if moved else zero,
                "overdue_at_end": _overdue(end, currency),
            }
        )
    return Section("overdue_movement", columns, rows)


async def aging_section(inputs: Inputs) -> Section:
    """Receivables by ageing bucket at the end of the period (the ageing report's totals)."""
    rows: list[Row] = []
    totals, _ = await inputs.aged()
    for row in totals:
        values: Row = {"currency": row.currency, "total": row.total}
        values.update({f"bucket_{b.value}": row.buckets[b] for b in BUCKETS})
        rows.append(values)
    return Section("aging", ("currency", *BUCKET_COLUMNS, "total"), rows)


async def promises_section(inputs: Inputs) -> Section:
    """Promises made in the period; of those due in it: kept, partially kept, broken."""
    names = ("made", "due", "kept", "partially_kept", "broken")
    columns = ("currency", *(c for n in names for c in (f"{n}_count", n)), "open_count")
    rows: list[Row] = []
    for sums in await inputs.uow.review.promise_sums(inputs.query):
        zero = Money.zero(sums.key)
        row: Row = {"currency": sums.key, "open_count": sums.counts.get("open", 0)}
        for name in names:
            row[f"{name}_count"] = sums.counts.get(name, 0)
            row[name] = sums.money.get(name, zero)
        rows.append(row)
    return Section("promises", columns, rows)


async def risk_flags_section(inputs: Inputs) -> Section:
    """Risk flags per kind: opened, resolved and dismissed in the period, open at its end."""
    columns = ("kind", "opened", "resolved", "dismissed", "open_at_end")
    rows: list[Row] = [
        {"kind": sums.key, **{c: sums.counts.get(c, 0) for c in columns[1:]}}
        for sums in await inputs.uow.review.risk_flag_counts(inputs.query)
    ]
    return Section("risk_flags", columns, rows)


async def tasks_section(inputs: Inputs) -> Section:
    """Tasks done in the period and overdue in it, per assignee (as performance counts)."""
    report = await inputs.performance()
    rows: list[Row] = [
        {
            "assignee": line.owner,
            "tasks_done": line.counts.tasks_done,
            "tasks_overdue": line.counts.tasks_overdue,
        }
        for line in report.lines
        if line.counts.tasks_done or line.counts.tasks_overdue
        if inputs.org_unit_id is None or line.owner in inputs.members
    ]
    return Section("tasks", ("assignee", "tasks_done", "tasks_overdue"), rows)


SECTIONS: tuple[Callable[[Inputs], Awaitable[Section]], ...] = (
    targets_section,
    target_curves_section,
    by_owner_section,
    by_org_unit_section,
    by_project_section,
    collection_section,
    overdue_movement_section,
    aging_section,
    promises_section,
    risk_flags_section,
    tasks_section,
    top_overdue_customers_section,
    unbilled_section,
    limitation_expiring_section,
    next_period_section,
)

# The order the sections start in: those that read the costliest statements first (the
# ageing by customer, the two periods' KPIs, the forecast, performance, the targets), so
# that the last to finish is not a long one started late.
START_ORDER: tuple[Callable[[Inputs], Awaitable[Section]], ...] = (
    top_overdue_customers_section,
    collection_section,
    overdue_movement_section,
    next_period_section,
    by_owner_section,
    targets_section,
    unbilled_section,
    limitation_expiring_section,
    target_curves_section,
)

"""The progress review: one function per section, each reading through the reports' own
queries (ageing, KPIs, forecast, performance, target progress) or ``ReviewQueries``.

A section that needs a feature this service does not have yet (organisation units,
projects, billing milestones, limitation periods) answers ``not_available``; when that
feature arrives, its function is the one place to wire. Sections run side by side, each in
a read-only transaction of its own (at most ``CONCURRENCY`` at once); ``Inputs`` reads what
several share (the ageing at the end, performance, the targets) once per review.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from app.domain.collection.targets import Target, TargetScope, target_progress
from app.domain.errors import UnknownReference
from app.domain.money import Money
from app.domain.receivables.installments import unbilled_due_by
from app.domain.reporting.kpis import Kpis
from app.domain.reporting.reports import (
    BUCKETS,
    AgingBasis,
    AgingBucket,
    AgingReport,
    AgingSums,
    GroupBy,
    Interval,
    day_end,
    require_period,
)
from app.domain.reporting.review import (
    CURVES,
    TOP_CUSTOMERS,
    Cell,
    ProgressReview,
    ReviewPeriod,
    Section,
    change,
    last_full_week,
    not_available,
)
from app.domain.reporting.target_curve import progress_curve
from app.services.collection import limitation
from app.services.context import Clock, Context
from app.services.pagination import PageRequest
from app.services.reporting import reports
from app.services.reporting.ports import (
    AgingQuery,
    AsOf,
    ReviewQuery,
    ReviewUnitOfWork,
)

MAX_UNIT_PROJECTS = 10_000  # a unit's projects, read in one page
TOP_ITEMS = 100  # unbilled installments and limitation warnings listed in the pack
CONCURRENCY = 4  # sections reading at once, each on a pooled connection of its own
UnitOfWorkFactory = Callable[[], ReviewUnitOfWork]

Row = dict[str, Cell]
BUCKET_COLUMNS = tuple(f"bucket_{b.value}" for b in BUCKETS)


@dataclass
class Inputs:
    """The review's parameters and what several sections read, each read once."""

    uow: ReviewUnitOfWork  # the running section's own
    clock: Clock
    period: ReviewPeriod
    currency: str | None
    org_unit_id: UUID | None
    # The request's context: the unbilled and limitation rules' settings (None on fakes
    # that hold no paper trail: those two sections say "not available").
    ctx: Context | None = None
    units: frozenset[UUID] = frozenset()  # with a unit: it and its descendants
    members: frozenset[str] = frozenset()  # with a unit: the people placed in them
    projects: frozenset[UUID] = frozenset()  # with a unit: the projects in them (now)
    _cache: dict[str, asyncio.Future[Any]] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.clock.today()

    @property
    def query(self) -> ReviewQuery:
        zone = self.clock.zone
        start, end = self.period.start, self.period.end
        return ReviewQuery(
            start=AsOf(start, day_end(start, zone)),
            end=AsOf(end, day_end(end, zone)),
            starts_at=datetime.combine(start, time(0), tzinfo=zone),
            today=self.today,
            zone=zone.key,
            currency=self.currency,
            units=None if self.org_unit_id is None else tuple(self.units),
        )

    async def _once(self, key: str, read: Callable[[], Awaitable[Any]]) -> Any:
        """The first section to ask reads (in its transaction); the others wait for it."""
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = asyncio.get_running_loop().create_future()
            try:
                found.set_result(await read())
            except BaseException as exc:
                found.set_exception(exc)
                found.exception()  # retrieved: the section that read raises it
                raise
        return await found

    async def aging(self, day: date, group_by: GroupBy) -> AgingReport:
        report: AgingReport = await self._once(
            f"aging-{day}-{group_by}",
            lambda: reports.aging(self.uow, self.clock, day, group_by, currency=self.currency),
        )
        return report

    async def performance(self) -> reports.PerformanceReport:
        report: reports.PerformanceReport = await self._once(
            "performance",
            lambda: reports.performance(
                self.uow, self.clock, self.period.start, self.period.end, self.currency
            ),
        )
        return report

    async def targets(self) -> Sequence[Target]:
        found: Sequence[Target] = await self._once(
            "targets", lambda: self.uow.review.targets_in(self.query)
        )
        if self.org_unit_id is None:
            return found
        return [t for t in found if self.in_unit(t)]

    def in_unit(self, target: Target) -> bool:
        """A unit's targets: scoped to it or a unit below, or to one of its people."""
        if target.scope is TargetScope.ORG_UNIT:
            return target.scope_id in self.units
        return target.scope is TargetScope.OWNER and target.scope_id in self.members

    async def grouped_performance(self, group_by: GroupBy) -> reports.PerformanceReport:
        report: reports.PerformanceReport = await self._once(
            f"performance-{group_by}",
            lambda: reports.performance(
                self.uow, self.clock, self.period.start, self.period.end, self.currency, group_by
            ),
        )
        return report


def _overdue(rows: Sequence[AgingSums], currency: str) -> Money:
    for row in rows:
        if row.currency == currency:
            return row.total - row.buckets[AgingBucket.CURRENT]
    return Money.zero(currency)


TARGET_COLUMNS = (
    "target_id", "name", "scope", "owner", "currency", "period_start", "period_end", "amount",
    "collected", "expected_to_date", "percent", "pace", "status",
)  # fmt: skip


async def targets_section(inputs: Inputs) -> Section:
    """Targets meeting the period: plan (expected to date) against actual, and pace."""
    found = await inputs.targets()
    sums = await inputs.uow.review.progress_sums(found, inputs.today)
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
    for target in list(await inputs.targets())[:CURVES]:
        daily = await inputs.uow.reports.target_daily(target)
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


def _is_unit(key: object, inputs: Inputs) -> bool:
    return key is not None and str(key) == str(inputs.org_unit_id)


async def _kpis(inputs: Inputs, period: ReviewPeriod) -> list[Kpis]:
    """The KPI report's rows per currency: the whole book's, or the unit's (rolled up)."""
    grouped = GroupBy.NONE if inputs.org_unit_id is None else GroupBy.ORG_UNIT
    report = await reports.kpis(
        inputs.uow, inputs.clock, period.start, period.end, inputs.currency, grouped
    )
    if inputs.org_unit_id is None:
        return report.kpis
    return [k for label, k in report.groups if _is_unit(label.key, inputs)]


async def _aged(inputs: Inputs, day: date) -> list[AgingSums]:
    """The ageing report's per-currency totals: the whole book's, or the unit's row."""
    if inputs.org_unit_id is None:
        return list((await inputs.aging(day, GroupBy.NONE)).totals)
    report = await inputs.aging(day, GroupBy.ORG_UNIT)
    return [row for row in report.groups if _is_unit(row.key, inputs)]


async def collection_section(inputs: Inputs) -> Section:
    """Collected this period against the previous one, with the period's KPIs."""
    columns = (
        "currency", "collected", "previous_collected", "change_percent", "billed",
        "closing_receivables", "overdue", "dso", "cei", "on_time_rate",
    )  # fmt: skip
    period, previous = inputs.period, inputs.period.previous
    now = await _kpis(inputs, period)
    earlier = {k.currency: k for k in await _kpis(inputs, previous)}
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
    start = await _aged(inputs, inputs.period.start - timedelta(days=1))
    end = await _aged(inputs, inputs.period.end)
    # With a unit: money of contracts whose unit (as at the end) is the unit or one below.
    movement = {m.key: m for m in await inputs.uow.review.overdue_movement(inputs.query)}
    currencies = {r.currency for r in (*start, *end)} | set(movement)
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
    for row in await _aged(inputs, inputs.period.end):
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


async def top_overdue_customers_section(inputs: Inputs) -> Section:
    """The ten customers with the most overdue at the end, with owner and next action."""
    columns = (
        "customer_id", "customer_name", "currency", "overdue", "outstanding", "owner",
        "next_task", "next_task_due", "next_task_assignee", "promised_date", "promised_amount",
    )  # fmt: skip
    if inputs.org_unit_id is not None:
        return not_available("top_overdue_customers", columns)  # ranked for the whole book
    end = inputs.query.end
    query = AgingQuery(end, GroupBy.CUSTOMER, AgingBasis.INVOICE, inputs.currency)
    found = await inputs.uow.review.largest_overdue(query, TOP_CUSTOMERS)
    chosen: list[Row] = [
        {
            "customer_id": row.key,
            "customer_name": row.name,
            "currency": row.currency,
            "overdue": row.total - row.buckets[AgingBucket.CURRENT],
            "outstanding": row.total,
        }
        for row in found
    ]
    ids = [r["customer_id"] for r in chosen if isinstance(r["customer_id"], UUID)]
    actions = await inputs.uow.review.next_actions(ids, inputs.today)
    for row in chosen:
        customer = row["customer_id"]
        action = actions.get(customer) if isinstance(customer, UUID) else None
        if action is not None:
            row.update(
                owner=action.owner,
                next_task=action.task_title,
                next_task_due=action.task_due,
                next_task_assignee=action.task_assignee,
                promised_date=action.promised_date,
                promised_amount=action.promised_amount,
            )
    return Section("top_overdue_customers", columns, chosen)


async def unbilled_section(inputs: Inputs) -> Section:
    """Installments due and still not fully invoiced HUIKUAN_UNBILLED_AFTER_DAYS later
    (the unbilled-scan's rule), oldest first."""
    columns = (
        "customer_id", "contract", "installment", "kind", "currency", "unbilled", "due_date",
    )  # fmt: skip
    if inputs.ctx is None or inputs.org_unit_id is not None:
        return not_available("unbilled", columns)  # the scan's rule is for the whole book
    due_by = unbilled_due_by(inputs.today, inputs.ctx.unbilled_after_days)
    found = await inputs.uow.contract_queries.unbilled(due_by, limit=TOP_ITEMS)
    rows: list[Row] = [
        {
            "customer_id": line.customer_id,
            "contract": line.contract_name,
            "installment": line.installment.name,
            "kind": line.installment.kind.value,
            "currency": line.unbilled.currency,
            "unbilled": line.unbilled,
            "due_date": line.installment.due_date,
        }
        for line in found
        if inputs.currency is None or line.unbilled.currency == inputs.currency
    ]
    return Section("unbilled", columns, rows)


async def limitation_expiring_section(inputs: Inputs) -> Section:
    """Receivables whose limitation period ends within the widest warning threshold
    (HUIKUAN_LIMITATION_WARN_DAYS) of the period's end, expired ones included."""
    columns = ("customer", "kind", "ref", "currency", "outstanding", "expires_on", "days_left")
    ctx = inputs.ctx
    if ctx is None or inputs.org_unit_id is not None:
        return not_available("limitation_expiring", columns)
    found = await limitation.expiring(
        inputs.uow, ctx, max(ctx.limitation_warn_days), inputs.period.end
    )
    rows: list[Row] = [
        {
            "customer": line.receivable.customer_name,
            "kind": line.receivable.kind.value,
            "ref": line.receivable.ref,
            "currency": line.receivable.outstanding.currency,
            "outstanding": line.receivable.outstanding,
            "expires_on": line.period.expires_on,
            "days_left": line.period.days_left(inputs.period.end),
        }
        for line in found[:TOP_ITEMS]
        if inputs.currency is None or line.receivable.outstanding.currency == inputs.currency
    ]
    return Section("limitation_expiring", columns, rows)


async def next_period_section(inputs: Inputs) -> Section:
    """Expected inflows over the next period of the same length (the forecast's sums)."""
    columns = ("currency", "from", "to", "installments", "invoices", "promises", "total", "late")
    following = inputs.period.following
    grouped = GroupBy.NONE if inputs.org_unit_id is None else GroupBy.ORG_UNIT
    report = await reports.forecast_report(
        inputs.uow,
        inputs.clock,
        following.start,
        following.end,
        Interval.MONTH,
        inputs.currency,
        grouped,
    )
    unit = [f for label, f in report.groups if _is_unit(label.key, inputs)]
    if inputs.org_unit_id is not None and not unit:
        return Section("next_period", columns, [])
    forecast = unit[0] if unit else report.whole
    totals: dict[str, dict[str, Money]] = {}
    for line in forecast.lines:
        sums = totals.setdefault(line.currency, {})
        for source, amount in line.amounts.items():
            sums[source.value] = sums.get(source.value, Money.zero(line.currency)) + amount
    # Expected before today and still open: late, shown beside what the period expects.
    late = {
        line.currency: Money.sum(line.amounts.values(), line.currency) for line in forecast.overdue
    }
    rows: list[Row] = []
    for currency in sorted(totals):
        sums = totals[currency]
        rows.append(
            {
                "currency": currency,
                "from": following.start,
                "to": following.end,
                **sums,
                "total": Money.sum(sums.values(), currency),
                "late": late.get(currency, Money.zero(currency)),
            }
        )
    return Section("next_period", columns, rows)


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


def review_period(clock: Clock, start: date | None, end: date | None) -> ReviewPeriod:
    """Default: the last full week (Monday to Sunday) in HUIKUAN_TIMEZONE; one end given,
    the other is a week from it."""
    if start is None:
        if end is None:
            return last_full_week(clock.today())
        start = end - timedelta(days=6)
    first = start
    last = end or first + timedelta(days=6)
    require_period(first, last)
    return ReviewPeriod(first, last)


async def _section(
    build: Callable[[Inputs], Awaitable[Section]],
    inputs: Inputs,
    uow: UnitOfWorkFactory,
    slots: asyncio.Semaphore,
) -> Section:
    async with slots:
        work = uow()
        async with work:
            return await build(replace(inputs, uow=work))


async def progress_review(
    uow: UnitOfWorkFactory,
    clock: Clock,
    start: date | None = None,
    end: date | None = None,
    org_unit_id: UUID | None = None,
    currency: str | None = None,
    ctx: Context | None = None,
) -> ProgressReview:
    """The pack for the weekly collection progress meeting, every section in order. The
    sections read side by side, each in its own transaction (``uow`` makes them). With
    ``org_unit_id``, the unit and its descendants (an unknown unit is 422)."""
    period = review_period(clock, start, end)
    unit_name: str | None = None
    first = uow()  # a template: each section opens its own
    inputs = Inputs(first, clock, period, currency, org_unit_id, ctx)
    if org_unit_id is not None:
        async with first:
            unit = await first.org_units.get(org_unit_id)
            if unit is None:
                raise UnknownReference("org unit", org_unit_id, ("query", "org_unit_id"))
            unit_name = unit.name
            tree = await first.org_unit_queries.subtree(org_unit_id)
            members = await first.person_queries.members(org_unit_id)
            projects = await first.project_queries.list(
                external_id=None,
                customer_id=None,
                org_unit_id=org_unit_id,
                status=None,
                page=PageRequest(limit=MAX_UNIT_PROJECTS),
            )
        inputs = replace(
            inputs,
            units=frozenset(u.id for u, _ in tree),
            members=frozenset(members),
            projects=frozenset(p.id for p in projects),
        )
    slots = asyncio.Semaphore(CONCURRENCY)
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_section(b, inputs, uow, slots)) for b in SECTIONS]
    except BaseExceptionGroup as failed:
        # The first failure as itself (a 503 stays a 503); the other sections were cancelled.
        raise failed.exceptions[0] from None
    return ProgressReview(
        period=period,
        previous=period.previous,
        following=period.following,
        today=clock.today(),
        currency=currency,
        org_unit_id=org_unit_id,
        sections=[t.result() for t in tasks],
        org_unit_name=unit_name,
    )

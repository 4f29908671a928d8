"""What the progress review's sections read: its parameters, and the figures several
sections share (the KPIs of the period and the previous one, the ageing at the end,
performance, the targets), each read once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from app.domain.collection.targets import Target, TargetScope
from app.domain.reporting.kpis import Kpis
from app.domain.reporting.reports import (
    BUCKETS,
    AgingBasis,
    AgingReport,
    AgingSums,
    GroupBy,
    aging_report,
    day_end,
)
from app.domain.reporting.review import (
    TOP_CUSTOMERS,
    Cell,
    ReviewPeriod,
)
from app.services.context import Clock, Context
from app.services.reporting import reports
from app.services.reporting.ports import (
    AgingQuery,
    AsOf,
    ReviewQuery,
    ReviewUnitOfWork,
    TargetSums,
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
    contracts: frozenset[UUID] = frozenset()  # with a unit: its contracts (at the end)
    snapshot: str | None = None  # what every section's transaction reads (decision 0136)
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

    async def kpis(self, period: ReviewPeriod) -> list[Kpis]:
        """The KPI report's rows per currency over a period: the whole book's, or the unit's
        row of the report grouped by unit (rolled up)."""
        grouped = GroupBy.NONE if self.org_unit_id is None else GroupBy.ORG_UNIT
        report: reports.KpiReport = await self._once(
            f"kpis-{period.start}-{period.end}",
            lambda: reports.kpis(
                self.uow, self.clock, period.start, period.end, self.currency, grouped
            ),
        )
        if self.org_unit_id is None:
            return report.kpis
        return [k for label, k in report.groups if is_unit(label.key, self)]

    async def aged(self) -> tuple[list[AgingSums], list[AgingSums]]:
        """The ageing at the period's end: its per-currency totals (the whole book's, or the
        unit's row of the ageing by unit), and the customers with the most overdue."""
        found: tuple[list[AgingSums], list[AgingSums]] = await self._once("aged", self._aged)
        return found

    async def _aged(self) -> tuple[list[AgingSums], list[AgingSums]]:
        end = self.period.end
        query = AgingQuery(self.query.end, GroupBy.CUSTOMER, AgingBasis.INVOICE, self.currency)
        if self.org_unit_id is None:
            # One statement: the ageing by customer gives the totals and the largest.
            rows = await self.uow.review.largest_overdue(query, TOP_CUSTOMERS)
            totals = aging_report(end, AgingBasis.INVOICE, GroupBy.CUSTOMER, self.currency, rows)
            return list(totals.totals), [r for r in rows if not r.is_total]
        by_unit = await self.aging(end, GroupBy.ORG_UNIT)
        mine = [row for row in by_unit.groups if is_unit(row.key, self)]
        top = await self.uow.review.largest_overdue(query, TOP_CUSTOMERS, tuple(self.units))
        return mine, list(top)

    async def performance(self) -> reports.PerformanceReport:
        """The performance report per owner over the period."""
        return (await self._performance())[GroupBy.NONE]

    async def grouped_performance(self, group_by: GroupBy) -> reports.PerformanceReport:
        """The performance report per org unit (rolled up) or per project."""
        return (await self._performance())[group_by]

    async def _performance(self) -> dict[GroupBy, reports.PerformanceReport]:
        found: dict[GroupBy, reports.PerformanceReport] = await self._once(
            "performance", self._read_performance
        )
        return found

    async def _read_performance(self) -> dict[GroupBy, reports.PerformanceReport]:
        # One statement for the three: the sources are summed once (decision 0137).
        start, end = self.period.start, self.period.end
        period, query = reports.performance_query(self.clock, start, end, self.currency)
        sums = await self.uow.review.performance(query)
        units, projects = (replace(query, group_by=g) for g in (GroupBy.ORG_UNIT, GroupBy.PROJECT))
        return {
            GroupBy.NONE: reports.performance_report(period, query, sums.owners),
            GroupBy.ORG_UNIT: reports.grouped_performance_report(period, units, sums.units),
            GroupBy.PROJECT: reports.grouped_performance_report(period, projects, sums.projects),
        }

    async def targets(self) -> Sequence[Target]:
        found: Sequence[Target] = await self._once(
            "targets", lambda: self.uow.review.targets_in(self.query)
        )
        if self.org_unit_id is None:
            return found
        return [t for t in found if self.in_unit(t)]

    async def target_sums(self) -> TargetSums:
        """The targets' progress sums, and the days of those summed per day."""
        found: TargetSums = await self._once("target-sums", lambda: self._read_target_sums())
        return found

    async def _read_target_sums(self) -> TargetSums:
        return await self.uow.review.progress_sums(await self.targets(), self.today)

    def in_unit(self, target: Target) -> bool:
        """A unit's targets: scoped to it or a unit below, or to one of its people."""
        if target.scope is TargetScope.ORG_UNIT:
            return target.scope_id in self.units
        return target.scope is TargetScope.OWNER and target.scope_id in self.members


def is_unit(key: object, inputs: Inputs) -> bool:
    """Whether a grouped report's row is the review's own unit (its figures include the
    units below it)."""
    return key is not None and str(key) == str(inputs.org_unit_id)

"""The port the reports read through: one aggregate query per report, run by PostgreSQL.

``ReportingUnitOfWork.reports`` exposes it. Days are calendar days in HUIKUAN_TIMEZONE; each
query also gets the instants those days end at (``day_end``), to compare timestamps such as
``undone_at`` with them, and the zone's name for timestamps compared row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from app.domain.collection.targets import ProgressSums, Target
from app.domain.money import Money
from app.domain.reporting.kpis import KpiSums
from app.domain.reporting.reports import (
    AgingBasis,
    AgingSums,
    ForecastSums,
    GroupBy,
    GroupLabel,
    OwnerSums,
)
from app.domain.reporting.retention import RetentionLine
from app.services.collection.paper_trail_ports import LimitationQueries
from app.services.collection.ports import TargetRepository
from app.services.organisation.ports import (
    OrgUnitQueries,
    OrgUnitRepository,
    PersonQueries,
    ProjectQueries,
)
from app.services.receivables.ports import ContractQueries
from app.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class AsOf:
    """A day and the instant it ends (the first instant of the next day, in the zone)."""

    day: date
    end: datetime


@dataclass(frozen=True, slots=True)
class AgingQuery:
    as_of: AsOf
    group_by: GroupBy
    basis: AgingBasis
    currency: str | None = None
    unbilled_after_days: int = 7


@dataclass(frozen=True, slots=True)
class KpiQuery:
    before: AsOf  # the day before the period: opening receivables
    start: date
    end: AsOf  # the period's last day: closing receivables
    currency: str | None = None
    group_by: GroupBy = GroupBy.NONE  # org units as assigned at the period's end
    unbilled_after_days: int = 7


@dataclass(frozen=True, slots=True)
class KpiGroupSums:
    label: GroupLabel | None  # None: the currency's total
    sums: KpiSums


@dataclass(frozen=True, slots=True)
class ForecastQuery:
    start: date
    end: date
    today: date
    currency: str | None = None
    group_by: GroupBy = GroupBy.NONE
    end_at: datetime | None = None  # grouped: the assignments of this instant (today's end)


@dataclass(frozen=True, slots=True)
class PerformanceQuery:
    start: AsOf  # ``start.end`` is unused; ``start.day`` is the first day of the period
    end: AsOf
    period_start_at: datetime  # the instant the first day begins
    today: date
    zone: str
    currency: str | None = None
    group_by: GroupBy = GroupBy.NONE  # none (per owner), org_unit or project


@dataclass(frozen=True, slots=True)
class RetentionQuery:
    as_of: AsOf
    currency: str | None = None
    group_by: str = "customer"  # customer, project or org_unit (rolled up)


@dataclass(frozen=True, slots=True)
class DailyProgress:
    """What counts toward a target per day received, and its plan per due date."""

    collected: dict[date, Money]
    planned: dict[date, Money]


class ReportQueries(Protocol):
    async def aging(self, query: AgingQuery) -> Sequence[AgingSums]:
        """Outstanding per bucket, per group and currency, and per currency (``is_total``)."""

    async def aging_json(self, query: AgingQuery) -> tuple[str, str]:
        """The ageing report's ``groups`` and ``totals`` as JSON arrays, rendered by the
        database exactly as ``aging_document`` would write them (for many groups)."""

    async def kpi_sums(self, query: KpiQuery) -> Sequence[KpiSums]:
        """The sums the KPI formulas need, one per currency with anything in it."""

    async def kpi_groups(self, query: KpiQuery) -> Sequence[KpiGroupSums]:
        """The same sums per group of ``query.group_by`` and per currency (the totals)."""

    async def forecast_sums(self, query: ForecastQuery) -> Sequence[ForecastSums]:
        """Expected inflows per currency, source and day (None: overdue, before today)
        from open installments, open invoices and open promises, a promise replacing the
        invoice amount it covers."""

    async def performance_sums(self, query: PerformanceQuery) -> Sequence[OwnerSums]:
        """Per owner: money per currency, tasks and promises."""

    async def performance_groups(
        self, query: PerformanceQuery
    ) -> Sequence[tuple[GroupLabel, OwnerSums]]:
        """The same per org unit (rolled up) or project."""

    async def retention_lines(self, query: RetentionQuery) -> Sequence[RetentionLine]:
        """Live retention installments of contracts signed by the day, with what was
        collected (allocations counted on the day) and written off by then."""

    async def target_daily(self, target: Target) -> DailyProgress:
        """Collected per day and installments per due date within the target's period and
        scope (the sums of ``TargetQueries.progress_sums``, day by day)."""


class ReportingUnitOfWork(UnitOfWork, Protocol):
    """The unit of work the reports run in."""

    @property
    def reports(self) -> ReportQueries: ...

    @property
    def targets(self) -> TargetRepository: ...


@dataclass(frozen=True, slots=True)
class ReviewQuery:
    """A review period: its days, the instants they begin and end, the zone and today."""

    start: AsOf  # ``start.day`` the first day; ``start.end`` unused
    end: AsOf
    starts_at: datetime  # the instant the first day begins
    today: date
    zone: str
    currency: str | None = None
    # A unit and its descendants: money of contracts whose unit (as at the end) is one of them.
    units: tuple[UUID, ...] | None = None


@dataclass(frozen=True, slots=True)
class CurrencySums:
    """Named money sums and counts for one currency (or one kind, ``currency`` None)."""

    key: str  # a currency code, or the kind a count belongs to
    money: dict[str, Money]
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class NextAction:
    customer_id: UUID
    owner: str | None  # the owner of the contract with the most overdue
    task_title: str | None  # the open task due first
    task_due: date | None
    task_assignee: str | None
    promised_date: date | None  # the open promise due first
    promised_amount: Money | None


@dataclass(frozen=True, slots=True)
class PerformanceSums:
    """The performance report's sums per owner, per org unit and per project, at once."""

    owners: Sequence[OwnerSums]
    units: Sequence[tuple[GroupLabel, OwnerSums]]
    projects: Sequence[tuple[GroupLabel, OwnerSums]]


@dataclass(frozen=True, slots=True)
class TargetSums:
    """Many targets' progress sums; those summed per day also with their days."""

    sums: dict[UUID, ProgressSums]
    daily: dict[UUID, DailyProgress]


class ReviewQueries(Protocol):
    """What the progress review reads beyond the reports (one statement each)."""

    async def snapshot(self) -> str:
        """Makes this transaction read one snapshot (its first statement) and names it."""

    async def join(self, snapshot: str) -> None:
        """Makes this transaction read the snapshot named (its first statement)."""

    async def unit_contracts(self, query: ReviewQuery) -> frozenset[UUID]:
        """The contracts whose unit, as at the end of the period, is one of ``units``."""

    async def targets_in(self, query: ReviewQuery) -> Sequence[Target]:
        """Targets whose period meets the review's, largest amount first."""

    async def progress_sums(self, targets: Sequence[Target], today: date) -> TargetSums:
        """``TargetQueries.progress_sums`` for many targets at once (a statement per scope
        kind, not per target); for the targets summed per day, ``target_daily`` too."""

    async def overdue_movement(self, query: ReviewQuery) -> Sequence[CurrencySums]:
        """Per currency: ``new_overdue`` (outstanding at the end of invoices that fell
        overdue in the period) and ``recovered`` (money received in the period on
        invoices already overdue when it came)."""

    async def promise_sums(self, query: ReviewQuery) -> Sequence[CurrencySums]:
        """Per currency: promises made in the period; of those due in it, kept and broken."""

    async def risk_flag_counts(self, query: ReviewQuery) -> Sequence[CurrencySums]:
        """Per kind: flags opened, resolved and dismissed in the period; open at its end."""

    async def largest_overdue(
        self, query: AgingQuery, limit: int, units: Sequence[UUID] | None = None
    ) -> Sequence[AgingSums]:
        """The ageing by customer (``ReportQueries.aging``'s statement): its per-currency
        totals, and only the ``limit`` customers with the most overdue per currency, largest
        first. With ``units``, only the money of contracts in them, and no totals."""

    async def performance(self, query: PerformanceQuery) -> PerformanceSums:
        """``ReportQueries.performance_sums`` and ``performance_groups`` by unit and by
        project in one statement: their sources are summed once, then grouped three ways."""

    async def next_actions(
        self, customer_ids: Sequence[UUID], today: date
    ) -> dict[UUID, NextAction]: ...


class ReviewUnitOfWork(ReportingUnitOfWork, Protocol):
    @property
    def review(self) -> ReviewQueries: ...

    @property
    def org_units(self) -> OrgUnitRepository: ...

    @property
    def org_unit_queries(self) -> OrgUnitQueries: ...

    @property
    def person_queries(self) -> PersonQueries: ...

    @property
    def project_queries(self) -> ProjectQueries: ...

    @property
    def contract_queries(self) -> ContractQueries: ...

    @property
    def limitation(self) -> LimitationQueries: ...

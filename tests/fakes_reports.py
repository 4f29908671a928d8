"""A fake ``ReportQueries``: answers what a test put in it and remembers what was asked.

The report sums are aggregate SQL, tested against PostgreSQL in tests/e2e; the fake lets the
use cases' parameter handling and shaping be tested without a database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from app.domain.collection.targets import ProgressSums, Target
from app.domain.reporting.kpis import KpiSums
from app.domain.reporting.reports import AgingSums, ForecastSums, GroupLabel, OwnerSums
from app.domain.reporting.retention import RetentionLine
from app.services.reporting.ports import (
    AgingQuery,
    CurrencySums,
    DailyProgress,
    ForecastQuery,
    KpiGroupSums,
    KpiQuery,
    NextAction,
    PerformanceQuery,
    PerformanceSums,
    RetentionQuery,
    ReviewQuery,
    TargetSums,
)


class FakeReportQueries:
    def __init__(self) -> None:
        self.asked: list[Any] = []
        self.aging_rows: list[AgingSums] = []
        self.kpi_rows: list[KpiSums] = []
        self.forecast_rows: list[ForecastSums] = []
        self.owner_rows: list[OwnerSums] = []
        self.daily: DailyProgress = DailyProgress({}, {})
        self.retention_rows: list[RetentionLine] = []

    async def aging(self, query: AgingQuery) -> Sequence[AgingSums]:
        self.asked.append(query)
        return self.aging_rows

    async def aging_json(self, query: AgingQuery) -> tuple[str, str]:
        raise AssertionError("the ageing JSON is rendered by PostgreSQL: test it there")

    async def kpi_sums(self, query: KpiQuery) -> Sequence[KpiSums]:
        self.asked.append(query)
        return self.kpi_rows

    async def kpi_groups(self, query: KpiQuery) -> Sequence[KpiGroupSums]:
        self.asked.append(query)
        return [KpiGroupSums(None, s) for s in self.kpi_rows]

    async def forecast_sums(self, query: ForecastQuery) -> Sequence[ForecastSums]:
        self.asked.append(query)
        return self.forecast_rows

    async def performance_sums(self, query: PerformanceQuery) -> Sequence[OwnerSums]:
        self.asked.append(query)
        return self.owner_rows

    async def performance_groups(
        self, query: PerformanceQuery
    ) -> Sequence[tuple[GroupLabel, OwnerSums]]:
        self.asked.append(query)
        return [(GroupLabel(s.owner), s) for s in self.owner_rows]

    async def retention_lines(self, query: RetentionQuery) -> Sequence[RetentionLine]:
        self.asked.append(query)
        return self.retention_rows

    async def target_daily(self, target: Target) -> DailyProgress:
        self.asked.append(target)
        return self.daily


class FakeReviewQueries:
    """Answers what a test put in it (the review's sums are SQL, tested in tests/e2e)."""

    def __init__(self) -> None:
        self.asked: list[Any] = []
        self.targets: list[Target] = []
        self.movement: list[CurrencySums] = []
        self.promises: list[CurrencySums] = []
        self.flags: list[CurrencySums] = []
        self.actions: dict[UUID, NextAction] = {}
        self.sums: dict[UUID, ProgressSums] = {}
        self.overdue_rows: list[AgingSums] = []
        self.owner_rows: list[OwnerSums] = []

    async def snapshot(self) -> str:
        self.asked.append("snapshot")
        return "00000003-0000001B-1"

    async def join(self, snapshot: str) -> None:
        self.asked.append(("join", snapshot))

    async def unit_contracts(self, query: ReviewQuery) -> frozenset[UUID]:
        self.asked.append(query)
        return frozenset()

    async def targets_in(self, query: ReviewQuery) -> Sequence[Target]:
        self.asked.append(query)
        return self.targets

    async def progress_sums(self, targets: Sequence[Target], today: date) -> TargetSums:
        self.asked.append((tuple(t.id for t in targets), today))
        return TargetSums({t.id: self.sums[t.id] for t in targets if t.id in self.sums}, {})

    async def overdue_movement(self, query: ReviewQuery) -> Sequence[CurrencySums]:
        self.asked.append(query)
        return self.movement

    async def promise_sums(self, query: ReviewQuery) -> Sequence[CurrencySums]:
        self.asked.append(query)
        return self.promises

    async def risk_flag_counts(self, query: ReviewQuery) -> Sequence[CurrencySums]:
        self.asked.append(query)
        return self.flags

    async def largest_overdue(
        self, query: AgingQuery, limit: int, units: Sequence[UUID] | None = None
    ) -> Sequence[AgingSums]:
        self.asked.append((query, limit, units))
        return self.overdue_rows[:limit]

    async def performance(self, query: PerformanceQuery) -> PerformanceSums:
        self.asked.append(query)
        return PerformanceSums(self.owner_rows, [], [])

    async def next_actions(
        self, customer_ids: Sequence[UUID], today: date
    ) -> dict[UUID, NextAction]:
        self.asked.append((tuple(customer_ids), today))
        return {c: a for c, a in self.actions.items() if c in customer_ids}

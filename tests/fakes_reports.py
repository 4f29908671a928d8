"""A fake ``ReportQueries``: answers what a test put in it and remembers what was asked.

The report sums are aggregate SQL, tested against PostgreSQL in tests/e2e; the fake lets the
use cases' parameter handling and shaping be tested without a database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.domain.collection.targets import Target
from app.domain.reporting.kpis import KpiSums
from app.domain.reporting.reports import AgingSums, ForecastSums, GroupLabel, OwnerSums
from app.services.reporting.ports import (
    AgingQuery,
    DailyProgress,
    ForecastQuery,
    KpiGroupSums,
    KpiQuery,
    PerformanceQuery,
)


class FakeReportQueries:
    def __init__(self) -> None:
        self.asked: list[Any] = []
        self.aging_rows: list[AgingSums] = []
        self.kpi_rows: list[KpiSums] = []
        self.forecast_rows: list[ForecastSums] = []
        self.owner_rows: list[OwnerSums] = []
        self.daily: DailyProgress = DailyProgress({}, {})

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

    async def target_daily(self, target: Target) -> DailyProgress:
        self.asked.append(target)
        return self.daily

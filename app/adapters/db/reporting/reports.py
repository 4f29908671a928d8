"""The reports' SQL: one aggregate statement per report (``ReportQueries``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import text

from app.adapters.db.collection.targets import collected_source, planned_source
from app.adapters.db.connection import Executor
from app.adapters.db.reporting.aging import aging_json_statement, aging_statement, aging_sums
from app.adapters.db.reporting.asof import exact
from app.adapters.db.reporting.forecast import forecast_statement, forecast_sums
from app.adapters.db.reporting.kpis import kpi_group_sums, kpi_statement, kpi_sums
from app.adapters.db.reporting.performance import group_sums, owner_sums, performance_statement
from app.adapters.db.reporting.retention import retention_line, retention_statement
from app.domain.collection.targets import Target
from app.domain.money import Money
from app.domain.reporting.kpis import KpiSums
from app.domain.reporting.reports import AgingSums, ForecastSums, GroupLabel, OwnerSums
from app.domain.reporting.retention import RetentionLine
from app.services.reporting.ports import (
    AgingQuery,
    DailyProgress,
    ForecastQuery,
    KpiGroupSums,
    KpiQuery,
    PerformanceQuery,
    RetentionQuery,
)

# For the report's transaction only. Memory is taken as needed: a grouped report holds a
# few hundred to 20,000 groups, where the planner would otherwise sort every row first.
ANALYTIC_SETTINGS = "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)"


class SqlReportQueries:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def _analytic(self) -> None:
        """Report statements read much and run once: JIT compilation costs more than it
        saves on them (hundreds of milliseconds per plan), so it is off for the transaction;
        and their groups are hashed in memory, not sorted to disk (decision 0134)."""
        await self.conn.execute(text(ANALYTIC_SETTINGS))

    async def aging(self, query: AgingQuery) -> Sequence[AgingSums]:
        await self._analytic()
        result = await self.conn.execute(aging_statement(query))
        return [aging_sums(row) for row in result]

    async def aging_json(self, query: AgingQuery) -> tuple[str, str]:
        await self._analytic()
        groups, totals = (await self.conn.execute(aging_json_statement(query))).one()
        return groups, totals

    async def kpi_sums(self, query: KpiQuery) -> Sequence[KpiSums]:
        await self._analytic()
        result = await self.conn.execute(kpi_statement(query))
        return [kpi_sums(row) for row in result.mappings()]

    async def kpi_groups(self, query: KpiQuery) -> Sequence[KpiGroupSums]:
        await self._analytic()
        result = await self.conn.execute(kpi_statement(query))
        return [kpi_group_sums(row) for row in result.mappings()]

    async def forecast_sums(self, query: ForecastQuery) -> Sequence[ForecastSums]:
        await self._analytic()
        result = await self.conn.execute(forecast_statement(query))
        return [forecast_sums(row) for row in result.mappings()]

    async def performance_sums(self, query: PerformanceQuery) -> Sequence[OwnerSums]:
        await self._analytic()
        result = await self.conn.execute(performance_statement(query))
        return owner_sums(list(result.mappings()))

    async def performance_groups(
        self, query: PerformanceQuery
    ) -> Sequence[tuple[GroupLabel, OwnerSums]]:
        await self._analytic()
        result = await self.conn.execute(performance_statement(query))
        return group_sums(list(result.mappings()))

    async def retention_lines(self, query: RetentionQuery) -> Sequence[RetentionLine]:
        await self._analytic()
        result = await self.conn.execute(retention_statement(query))
        return [retention_line(row) for row in result.mappings()]

    async def target_daily(self, target: Target) -> DailyProgress:
        currency = target.currency
        found: list[dict[date, Money]] = []
        for source in (collected_source(target), planned_source(target)):
            rows = (await self.conn.execute(source.per_day())).mappings()
            found.append({r["day"]: exact(r["amount"], currency) for r in rows})
        collected, planned = found
        return DailyProgress(collected=collected, planned=planned)

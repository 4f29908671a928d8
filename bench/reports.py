"""Benchmark: the reports through the HTTP API beside hand-written SQL, on a big book.

Seeds 1,000,000 invoices and 2,000,000 allocations with COPY (bench/_report_seed.py), starts
`huikuan serve`, and times each report over HTTP and the single hand-written statement
that computes the same figures (bench/_report_sql.py, through asyncpg), alternating, in the
same run; prints medians, their ratio, and whether the figures agree. Never asserted.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/reports.py

BENCH_REPORT_DB=<name> seeds a database of that name once and keeps it, and later runs reuse
it (the seed takes minutes; drop it by hand). BENCH_CASES=aging,kpi,forecast,performance,
review runs only the cases whose name starts with one of those words.
``BENCH_ONLY=review`` times only the progress review and its baseline.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _report_sql as sql
from _report_seed import seeded_database
from harness import BENCH_KEY, asyncpg_dsn, print_table, running_service

from app.adapters.db.reporting.reports import ANALYTIC_SETTINGS

ZONE = ZoneInfo("Asia/Shanghai")
ROUNDS = 5


def end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), clock_time(0), tzinfo=ZONE)


def money(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def by_currency(pairs: list[tuple[str, Any]]) -> dict[str, Decimal]:
    found: dict[str, Decimal] = defaultdict(Decimal)
    for currency, amount in pairs:
        found[currency] += money(amount)
    return {c: v for c, v in sorted(found.items()) if v}


Figures = dict[str, Decimal]


class Case:
    """One report: its API call and its hand-written statement, each reduced to figures."""

    def __init__(
        self,
        name: str,
        path: str,
        params: dict[str, str],
        query: str,
        args: tuple[Any, ...],
        from_api: Callable[[dict[str, Any]], Figures],
        from_sql: Callable[[list[asyncpg.Record]], Figures],
    ) -> None:
        self.name, self.path, self.params = name, path, params
        self.query, self.args = query, args
        self.from_api, self.from_sql = from_api, from_sql


def aging_from_api(doc: dict[str, Any]) -> Figures:
    """Totals and unbilled per currency, and how many groups the answer lists."""
    return (
        by_currency([(t["currency"], t["total"]) for t in doc["totals"]])
        | {f"{c} unbilled": v for c, v in by_currency(unbilled(doc["totals"])).items()}
        | {"groups": Decimal(len(doc["groups"]))}
    )


def aging_from_sql(rows: list[asyncpg.Record]) -> Figures:
    """The same from the hand-written rows: ``grouped`` 1 are the totals; a group is listed
    when it has anything outstanding or unbilled."""
    totals = [r for r in rows if r.get("grouped", 1)]
    listed = [r for r in rows if not r.get("grouped", 1) and (r["total"] or r["unbilled"])]
    return (
        by_currency([(r["currency"], r["total"]) for r in totals])
        | {f"{c} unbilled": v for c, v in by_currency(unbilled(totals)).items()}
        | {"groups": Decimal(len(listed))}
    )


def unbilled(rows: Any) -> list[tuple[str, Any]]:
    return [(r["currency"], r["unbilled"]) for r in rows]


def aging_case(name: str, day: date, group_by: str = "customer") -> Case:
    queries = {"customer": sql.AGING, "none": sql.AGING_BOOK, "org_unit": sql.AGING_BY_UNIT}
    return Case(
        name,
        "/v1/reports/aging",
        {"as_of": day.isoformat(), "group_by": group_by},
        queries[group_by],
        (day, end_of(day)),
        aging_from_api,
        aging_from_sql,
    )


def aging_unit_case(name: str, day: date) -> Case:
    """Ageing rolled up by org unit (200 units, 2,000 people) against AGING_BY_UNIT."""
    return aging_case(name, day, "org_unit")


KPI_FIELDS = ("billed", "collected", "closing", "on_time", "unbilled")
KPI_API_FIELDS = {"closing": "closing_receivables", "on_time": "collected_on_time"}


def kpi_case(name: str, last: date, days: int, group_by: str = "none") -> Case:
    first = last - timedelta(days=days - 1)
    before = first - timedelta(days=1)
    grouped = group_by != "none"

    def from_api(doc: dict[str, Any]) -> Figures:
        found = {
            f"{row['currency']} {f}": money(row[KPI_API_FIELDS.get(f, f)])
            for row in doc["data"]
            for f in KPI_FIELDS
        }
        if grouped:
            groups = doc["groups"]
            found["groups"] = Decimal(len(groups))
            found["groups' closing"] = sum(
                (money(g["closing_receivables"]) for g in groups), Decimal(0)
            )
        return found

    def from_sql(rows: list[asyncpg.Record]) -> Figures:
        totals = [r for r in rows if r.get("grouped", 1)]
        found = {f"{r['currency']} {f}": money(r[f]) for r in totals for f in KPI_FIELDS}
        if grouped:
            groups = [r for r in rows if not r["grouped"]]
            listed = [r for r in groups if any(r[f] for f in (*KPI_FIELDS, "opening"))]
            found["groups"] = Decimal(len(listed))
            found["groups' closing"] = sum((money(r["closing"]) for r in groups), Decimal(0))
        return found

    return Case(
        name,
        "/v1/reports/kpis",
        {"from": first.isoformat(), "to": last.isoformat(), "group_by": group_by},
        sql.KPIS_BY_UNIT if group_by == "org_unit" else sql.KPIS,
        (last, end_of(last), before, end_of(before), first),
        from_api,
        from_sql,
    )


def forecast_case(today: date) -> Case:
    last = today + timedelta(days=179)
    return Case(
        "forecast, 6 months by month",
        "/v1/reports/forecast",
        {"from": today.isoformat(), "to": last.isoformat(), "interval": "month"},
        sql.FORECAST,
        (today, today, last),
        lambda doc: by_currency(
            [(p["currency"], p["total"]) for p in doc["periods"]]
            + [(o["currency"], o["total"]) for o in doc["overdue"]]
        ),
        lambda rows: by_currency([(r["currency"], r["amount"]) for r in rows]),
    )


def performance_case(today: date) -> Case:
    first = today - timedelta(days=29)
    start = datetime.combine(first, clock_time(0), tzinfo=ZONE)
    return Case(
        "performance, 30 days",
        "/v1/reports/performance",
        {"from": first.isoformat(), "to": today.isoformat()},
        sql.PERFORMANCE,
        (today, end_of(today), first, start, today, "Asia/Shanghai"),
        lambda doc: (
            by_currency(
                [(c["currency"], c["collected"]) for r in doc["data"] for c in r["currencies"]]
            )
            | {"tasks done": Decimal(sum(r["tasks_done"] for r in doc["data"]))}
        ),
        lambda rows: (
            by_currency([(r["currency"], r["collected"]) for r in rows if r["currency"]])
            | {"tasks done": Decimal(sum(r["done"] for r in rows))}
        ),
    )


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await call()
    return time.perf_counter() - started, result


async def run(case: Case, client: httpx.AsyncClient, conn: asyncpg.Connection) -> list[object]:
    async def api() -> dict[str, Any]:
        answer = await client.get(case.path, params=case.params)
        answer.raise_for_status()
        return dict(answer.json())

    async def hand() -> list[asyncpg.Record]:
        return list(await conn.fetch(case.query, *case.args))

    await api(), await hand()  # warm both: plans, caches
    api_times, sql_times = [], []
    for _ in range(ROUNDS):
        seconds, document = await timed(api)
        api_times.append(seconds)
        seconds, rows = await timed(hand)
        sql_times.append(seconds)
    api_ms = statistics.median(api_times) * 1000
    sql_ms = statistics.median(sql_times) * 1000
    same = case.from_api(document) == case.from_sql(rows)
    return [case.name, f"{api_ms:,.0f}", f"{sql_ms:,.0f}", f"{api_ms / sql_ms:.2f}", same]


REVIEW_FORMATS = {
    "JSON": "application/json",
    "HTML": "text/html",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "CSV": "text/csv",
}


def last_full_week(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


async def review(client: httpx.AsyncClient, today: date) -> list[list[object]]:
    """The progress review in each format, beside the baseline measured in the same run:
    the individual report calls it is made of, one after another over HTTP."""
    first, last = last_full_week(today)
    week = {"from": first.isoformat(), "to": last.isoformat()}
    previous = {
        "from": (first - timedelta(days=7)).isoformat(),
        "to": (last - timedelta(days=7)).isoformat(),
    }
    following = {
        "from": (last + timedelta(days=1)).isoformat(),
        "to": (last + timedelta(days=7)).isoformat(),
        "interval": "month",
    }
    parts = [
        (
            "/v1/reports/aging",
            {"as_of": (first - timedelta(days=1)).isoformat(), "group_by": "none"},
        ),
        ("/v1/reports/aging", {"as_of": last.isoformat(), "group_by": "none"}),
        ("/v1/reports/aging", {"as_of": last.isoformat(), "group_by": "customer"}),
        ("/v1/reports/kpis", week),
        ("/v1/reports/kpis", previous),
        ("/v1/reports/forecast", following),
        ("/v1/reports/performance", week),
    ]

    async def reports() -> None:
        for path, params in parts:
            (await client.get(path, params=params)).raise_for_status()

    async def pack(accept: str) -> int:
        answer = await client.get(
            "/v1/reports/progress-review", params=week, headers={"Accept": accept}
        )
        answer.raise_for_status()
        return len(answer.content)

    await reports()
    for accept in REVIEW_FORMATS.values():
        await pack(accept)  # warm: plans, caches
    baseline = []
    for _ in range(ROUNDS):
        seconds, _ = await timed(reports)
        baseline.append(seconds)
    base_ms = statistics.median(baseline) * 1000
    rows: list[list[object]] = [
        ["the reports it reads, one after another", f"{base_ms:,.0f}", "", "1.00"]
    ]
    for name, accept in REVIEW_FORMATS.items():
        times, size = [], 0
        for _ in range(ROUNDS):
            seconds, size = await timed(lambda accept=accept: pack(accept))  # type: ignore[misc]
            times.append(seconds)
        ms = statistics.median(times) * 1000
        rows.append([f"progress review, {name}", f"{ms:,.0f}", f"{size:,}", f"{ms / base_ms:.2f}"])
    return rows


async def naive(conn: asyncpg.Connection, day: date) -> str:
    seconds, _ = await timed(lambda: conn.fetch(sql.NAIVE_AGING, day, end_of(day)))
    return f"{seconds * 1000:,.0f}"


def wanted(name: str) -> bool:
    """BENCH_CASES: the comma-separated words a case's name may start with (all if unset);
    "ageing" is also "aging"."""
    words = [w.strip() for w in os.environ.get("BENCH_CASES", "").split(",") if w.strip()]
    name = name.replace("ageing", "aging").lower()
    return not words or any(name.startswith(w.lower()) for w in words)


async def main() -> None:
    today = datetime.now(ZONE).date()
    past = today - timedelta(days=365)
    async with seeded_database(today) as url:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            # The service turns JIT off for report statements and gives them more memory
            # to hash in (app/adapters/db/reporting/reports.py); the same here, to compare
            # like with like.
            await conn.execute(ANALYTIC_SETTINGS)
            cases = [
                aging_case("ageing, whole book, as of today", today, "none"),
                aging_case("ageing, whole book, as of a year ago", past, "none"),
                aging_case("ageing by customer (19k rows), as of today", today),
                aging_case("ageing by customer (19k rows), a year ago", past),
                kpi_case("KPIs, 30 days to today (the default)", today, 30),
                kpi_case("KPIs, 90 days to today", today, 90),
                kpi_case("KPIs, 30 days to a year ago", past, 30),
                kpi_case("KPIs, 90 days to a year ago", past, 90),
                aging_unit_case("ageing by org unit (200 units), as of today", today),
                aging_unit_case("ageing by org unit (200 units), a year ago", past),
                kpi_case("KPIs by org unit (200 units), 30 days", today, 30, "org_unit"),
                forecast_case(today),
                performance_case(today),
            ]
            if os.environ.get("BENCH_ONLY") == "review":  # the review and its baseline only
                cases = []
            rows = []
            # No scheduler or relay: their jobs over the big book would run beside the
            # timings (the targets' pace job alone takes minutes here).
            quiet = {"HUIKUAN_SCHEDULER_ENABLED": "false", "HUIKUAN_RELAY_ENABLED": "false"}
            with running_service(url, **quiet) as base:
                headers = {"Authorization": f"Bearer {BENCH_KEY}"}
                async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:
                    for case in filter(lambda c: wanted(c.name), cases):
                        rows.append(await run(case, client, conn))
                    review_rows = await review(client, today) if wanted("review") else []
            print_table(
                f"Reports over HTTP vs hand-written SQL, medians of {ROUNDS} (ms)",
                rows,
                ["report", "API", "SQL", "ratio", "same figures"],
            )
            print_table(
                f"The progress review (last full week), medians of {ROUNDS} (ms)",
                review_rows,
                ["answer", "ms", "bytes", "x the reports"],
            )
            if wanted("naive"):
                print(
                    f"\nnaive ageing SQL (every invoice less every allocation), one run: "
                    f"today {await naive(conn, today)} ms, a year ago {await naive(conn, past)} ms"
                )
        finally:
            await conn.close()


if __name__ == "__main__":
    asyncio.run(main())

"""Benchmark: overdue-scan and unbilled-scan over 1,000,000 installments and 1,000,000
invoices.

Seeds with COPY: 10,000 customers, 250,000 contracts of four installments, one invoice per
installment. Most past-due items are paid or were scanned on earlier days; 5,000
installments and their 5,000 invoices fell due yesterday and were never scanned, so
10,000 items are newly overdue. Another 10,000 installments fell due ten days ago and are
only half invoiced, never scanned for unbilled work: 10,000 newly unbilled (every other
installment due a week ago or more was scanned for it already). Times the first run of
each job (service function, real adapters, batches of 500) and a second one with nothing
new, each as wall time and as the time spent inside database statements (summed around
every statement the job runs, so round trips included, COMMITs not). Prints figures;
asserts nothing.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/scan.py
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from harness import asyncpg_dsn, bench_database, print_table
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.engine import create_engine
from app.adapters.db.uow import SqlUnitOfWorkFactory
from app.adapters.ids import Uuid7Generator
from app.domain.events import Actor
from app.services.collection.overdue_scan import run_overdue_scan
from app.services.context import Context
from app.services.jobs import JobParams
from app.services.reactions import REACTIONS
from app.services.receivables.unbilled import run_unbilled_scan
from app.services.scheduling.registry import JobFunction

CUSTOMERS = 10_000
CONTRACTS = 250_000
PER_CONTRACT = 4  # installments, each with one invoice: 1,000,000 of each
NEWLY_OVERDUE = 5_000  # installments (and as many invoices) due yesterday, never scanned
NEWLY_UNBILLED = 10_000  # installments due ten days ago, half invoiced, never scanned for it
UNBILLED_AFTER_DAYS = 7
NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # 2026-11-27 in Asia/Shanghai
TODAY = date(2026, 11, 27)
YESTERDAY = TODAY - timedelta(days=1)
FIRST_DUE = date(2025, 6, 1)
AMOUNT = Decimal("10000.00")


class StandingClock:
    """The service's clock stopped at NOW (2026-11-27 in Asia/Shanghai)."""

    zone = ZoneInfo("Asia/Shanghai")

    def now(self) -> datetime:
        return NOW

    def today(self) -> date:
        return TODAY


def unbilled(n: int) -> bool:
    return NEWLY_OVERDUE <= n < NEWLY_OVERDUE + NEWLY_UNBILLED


def due_date(n: int) -> date:
    """Spread over about two and a half years around today, none due yesterday by chance."""
    if n < NEWLY_OVERDUE:
        return YESTERDAY
    if unbilled(n):
        return TODAY - timedelta(days=10)
    due = FIRST_DUE + timedelta(days=n % 900)
    return due if due != YESTERDAY else TODAY


def rows(seed: int) -> Iterator[tuple[Any, ...]]:
    """(installment row, invoice row) pairs; past-due items are paid (80 %) or open and
    already scanned (dunning level and the next scan date set as a scan would)."""
    rng = random.Random(seed)
    stamp = NOW - timedelta(days=400)
    contract_ids = [uuid.uuid4() for _ in range(CONTRACTS)]
    customer_of = [uuid.UUID(int=(c % CUSTOMERS) + 1) for c in range(CONTRACTS)]
    for n in range(CONTRACTS * PER_CONTRACT):
        contract = n // PER_CONTRACT
        installment_id, invoice_id = uuid.uuid4(), uuid.uuid4()
        due = due_date(n)
        past = due < TODAY
        new = n < NEWLY_OVERDUE
        scanned = past and not new
        paid = scanned and rng.random() < 0.8
        billed = AMOUNT / 2 if unbilled(n) else AMOUNT
        unbilled_scanned = (TODAY - due).days >= UNBILLED_AFTER_DAYS and not unbilled(n)
        installment = (
            installment_id,
            contract_ids[contract],
            f"第{n % PER_CONTRACT + 1}期",
            due,
            AMOUNT,
            "CNY",
            n % PER_CONTRACT,
            stamp,
            due if scanned else None,
            due if scanned else None,
            due if unbilled_scanned else None,
        )
        invoice = (
            invoice_id,
            customer_of[contract],
            contract_ids[contract],
            installment_id,
            billed,
            "CNY",
            billed if paid else Decimal(0),
            due - timedelta(days=30),
            due,
            1,
            stamp,
            stamp,
            (4 if (TODAY - due).days >= 60 else 1) if scanned else 0,
            (date.max if (TODAY - due).days >= 90 else TODAY + timedelta(days=7))
            if scanned
            else None,
            due if scanned else None,
        )
        yield contract, installment, invoice


INSTALLMENT_COLUMNS = [
    "id",
    "contract_id",
    "name",
    "due_date",
    "amount",
    "currency",
    "position",
    "created_at",
    "overdue_scanned_for",
    "due_soon_scanned_for",
    "unbilled_scanned_for",
]
INVOICE_COLUMNS = [
    "id",
    "customer_id",
    "contract_id",
    "installment_id",
    "amount",
    "currency",
    "amount_paid",
    "issued_on",
    "due_date",
    "version",
    "created_at",
    "updated_at",
    "dunning_level",
    "next_scan_on",
    "due_soon_scanned_for",
]


async def seed(url: str) -> float:
    started = time.perf_counter()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        # Foreign keys are checked by construction here; skipping their triggers halves the load.
        await conn.execute("SET session_replication_role = replica")
        stamp = NOW - timedelta(days=400)
        await conn.copy_records_to_table(
            "customers",
            records=[
                (uuid.UUID(int=c + 1), f"客户 {c}", "CNY", 30, 1, stamp, stamp)
                for c in range(CUSTOMERS)
            ],
            columns=[
                "id",
                "name",
                "currency",
                "payment_terms_days",
                "version",
                "created_at",
                "updated_at",
            ],
        )
        contracts: dict[int, tuple[Any, ...]] = {}
        installments: list[tuple[Any, ...]] = []
        invoices: list[tuple[Any, ...]] = []
        for contract, installment, invoice in rows(seed=7):
            if contract not in contracts:
                contracts[contract] = (
                    installment[1],
                    invoice[1],
                    f"合同 {contract}",
                    AMOUNT * PER_CONTRACT,
                    "CNY",
                    f"u-owner-{contract % 50}",
                    date(2025, 1, 1),
                    1,
                    stamp,
                    stamp,
                )
            installments.append(installment)
            invoices.append(invoice)
        await conn.copy_records_to_table(
            "contracts",
            records=list(contracts.values()),
            columns=[
                "id",
                "customer_id",
                "name",
                "amount",
                "currency",
                "owner",
                "signed_on",
                "version",
                "created_at",
                "updated_at",
            ],
        )
        await conn.copy_records_to_table(
            "installments", records=installments, columns=INSTALLMENT_COLUMNS
        )
        await conn.copy_records_to_table("invoices", records=invoices, columns=INVOICE_COLUMNS)
        await conn.execute("RESET session_replication_role")
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


class StatementTimer:
    """Sums the time spent inside database statements (each round trip included), in all
    and by what the statement touches."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.statements = 0
        self.by_kind: dict[str, float] = {}

    def reset(self) -> None:
        self.seconds, self.statements, self.by_kind = 0.0, 0, {}

    def attach(self, engine: AsyncEngine) -> None:
        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def before(conn: Any, *_: Any) -> None:
            conn.info["started"] = time.perf_counter()

        @event.listens_for(engine.sync_engine, "after_cursor_execute")
        def after(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            spent = time.perf_counter() - conn.info.pop("started")
            self.seconds += spent
            self.statements += 1
            kind = statement_kind(statement)
            self.by_kind[kind] = self.by_kind.get(kind, 0.0) + spent


def statement_kind(statement: str) -> str:
    words = " ".join(statement.split()).upper()
    for table in ("OUTBOX_EVENTS", "RISK_FLAGS", "FINDINGS", "INSTALLMENTS", "INVOICES", "TASKS"):
        for verb in ("INSERT INTO", "UPDATE", "FROM"):
            if f"{verb} {table}" in words:
                return f"{verb.split()[0].lower()} {table.lower()}"
    return words.split()[0].lower()


JOBS: dict[str, JobFunction] = {
    "overdue-scan": run_overdue_scan,
    "unbilled-scan": run_unbilled_scan,
}


async def scan(url: str) -> tuple[list[tuple[str, ...]], dict[str, float]]:
    engine = create_engine(url)
    timer = StatementTimer()
    timer.attach(engine)
    ctx = Context(StandingClock(), Uuid7Generator(), Actor.system("bench"))
    params = JobParams(batch_size=500, unbilled_after_days=UNBILLED_AFTER_DAYS)
    results: list[tuple[str, ...]] = []
    breakdown: dict[str, float] = {}
    try:
        for job, label in [(j, run) for j in JOBS for run in ("first run", "second run")]:
            timer.reset()
            started = time.perf_counter()
            result = await JOBS[job](SqlUnitOfWorkFactory(engine, REACTIONS), ctx, params)
            wall = time.perf_counter() - started
            per_10k = timer.seconds / result.findings * 10_000 if result.findings else 0.0
            results.append(
                (
                    job,
                    label,
                    f"{result.examined:,}",
                    f"{result.findings:,}",
                    f"{result.events:,}",
                    f"{wall * 1000:,.0f} ms",
                    f"{timer.seconds * 1000:,.0f} ms",
                    f"{timer.statements:,}",
                    f"{per_10k:.2f} s" if result.findings else "-",
                )
            )
            if (job, label) == ("overdue-scan", "first run"):
                breakdown = dict(timer.by_kind)
    finally:
        await engine.dispose()
    return results, breakdown


async def main() -> None:
    async with bench_database("huikuan_bench_scan") as url:
        seconds = await seed(url)
        print(
            f"seeded {CONTRACTS * PER_CONTRACT:,} installments and as many invoices "
            f"({NEWLY_OVERDUE:,} of each newly overdue, {NEWLY_UNBILLED:,} installments "
            f"newly unbilled) in {seconds:.0f} s"
        )
        results, breakdown = await scan(url)
        print_table(
            "overdue-scan and unbilled-scan (batches of 500)",
            results,
            (
                "job",
                "run",
                "examined",
                "findings",
                "events",
                "wall",
                "in statements",
                "statements",
                "statements per 10k findings",
            ),
        )
        print_table(
            "overdue-scan's first run: time in statements by what they do",
            [
                (kind, f"{seconds * 1000:,.0f} ms")
                for kind, seconds in sorted(breakdown.items(), key=lambda kv: -kv[1])
            ],
            ("statement", "time"),
        )


if __name__ == "__main__":
    asyncio.run(main())

"""A book for the report benchmark, written with COPY: 1,000,000 invoices over three years,
2,000,000 allocations (one payment each), customers, contracts with installments, tasks,
promises and targets. Deterministic (seeded). Used by bench/reports.py, through
``seeded_database`` (the book and the org tree, in a throwaway or a kept database)."""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from _org_seed import seed_org
from harness import asyncpg_dsn, bench_database, server_url
from sqlalchemy import make_url

from app.adapters.db.migrate import upgrade

# BENCH_REPORT_SCALE=0.01 seeds a hundredth of the book, to develop against; figures are
# quoted at the full size only.
SCALE = float(os.environ.get("BENCH_REPORT_SCALE", "1"))
INVOICES = int(1_000_000 * SCALE)
ALLOCATIONS = int(2_000_000 * SCALE)
CUSTOMERS = max(int(20_000 * SCALE), 10)
CONTRACTS = CUSTOMERS * 5
OWNERS = 200
CHUNK = 50_000
DAYS = 1095  # three years of billing up to today
NOW = datetime.now(UTC)
ZONE_OFFSET = timedelta(hours=8)

CURRENCIES = ("CNY",) * 17 + ("USD",) * 2 + ("JPY",)


def uid(table: int, n: int) -> UUID:
    """Ordered ids (like UUIDv7), one range per table."""
    return UUID(int=(table << 96) | n)


@dataclass
class Plan:
    """How each invoice ends up, decided before any row is written."""

    today: date
    rng: random.Random = field(default_factory=lambda: random.Random(20261127))

    def fate(self, issued: date) -> str:
        age = (self.today - issued).days
        roll = self.rng.random()
        if roll < 0.01:
            return "void"
        if age > 180 and roll < 0.02:
            return "written_off"
        paid_share = 0.97 if age > 120 else 0.25 + 0.72 * age / 120
        if roll < paid_share:
            return "paid"
        return "partial" if roll < paid_share + 0.05 else "open"


@dataclass
class Counts:
    invoices: int = 0
    allocations: int = 0
    installments: int = 0


INVOICE_COLUMNS = (
    "id", "customer_id", "contract_id", "installment_id", "external_id", "amount", "currency",
    "amount_paid", "issued_on", "due_date", "disputed_at", "hold_until", "hold_reason",
    "voided_at", "voided_on", "written_off_at", "written_off_on", "version", "created_at",
    "updated_at",
)  # fmt: skip
PAYMENT_COLUMNS = (
    "id", "customer_id", "amount", "currency", "allocated_amount", "received_on", "reversed_at",
    "version", "created_at", "updated_at",
)  # fmt: skip
ALLOCATION_COLUMNS = (
    "id", "payment_id", "invoice_id", "amount", "currency", "received_on", "created_at",
    "created_by", "undone_at", "undone_reason",
)  # fmt: skip


def _money(rng: random.Random, currency: str) -> Decimal:
    if currency == "JPY":
        return Decimal(rng.randrange(10_000, 5_000_000))
    return Decimal(rng.randrange(100_000, 50_000_000)).scaleb(-2)


def _split(total: Decimal, parts: int, currency: str) -> list[Decimal]:
    if parts == 1:
        return [total]
    step = Decimal(1) if currency == "JPY" else Decimal("0.01")
    first = (total * Decimal("0.4")).quantize(step)
    if parts == 2:
        return [first, total - first]
    second = (total * Decimal("0.3")).quantize(step)
    return [first, second, total - first - second]


def _moment(day: date, hours: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - ZONE_OFFSET + timedelta(hours=hours)


class Book:
    """Rows chunk by chunk. Allocations are made to come out at exactly ALLOCATIONS."""

    def __init__(self, today: date) -> None:
        self.plan = Plan(today)
        self.today = today
        self.counts = Counts()
        self.fates: list[str] = []
        rng = self.plan.rng
        start = today - timedelta(days=DAYS)
        self.issued = sorted(start + timedelta(days=rng.randrange(DAYS)) for _ in range(INVOICES))
        self.fates = [self.plan.fate(d) for d in self.issued]
        paid = self.fates.count("paid")
        partial = self.fates.count("partial")
        # Paid invoices take two allocations, some three; about 1 % more are reversed or
        # undone ones that another payment replaced (an extra allocation each).
        self.extra_undone = int(20_000 * SCALE)
        self.third = ALLOCATIONS - partial - 2 * paid - self.extra_undone
        assert 0 <= self.third <= paid, "the fates do not fit 2M allocations"

    def customers(self) -> list[tuple[Any, ...]]:
        rng = random.Random(1)
        return [
            (uid(1, n), f"客户{n:05d} 有限公司", rng.choice(CURRENCIES), 30, 1, NOW, NOW)
            for n in range(CUSTOMERS)
        ]

    def customer_currency(self) -> list[str]:
        return [row[2] for row in self.customers()]

    def contracts(self, currencies: list[str]) -> list[tuple[Any, ...]]:
        rows = []
        for n in range(CONTRACTS):
            customer = n % CUSTOMERS
            signed = self.today - timedelta(days=DAYS + 30 - (n * DAYS) // CONTRACTS)
            rows.append(
                (uid(2, n), uid(1, customer), f"合同{n}", Decimal("100000000.00"),
                 currencies[customer], f"owner-{n % OWNERS:03d}", signed, 1, NOW, NOW)
            )  # fmt: skip
        return rows

    def chunks(
        self, currencies: list[str]
    ) -> Iterator[
        tuple[
            list[tuple[Any, ...]],
            list[tuple[Any, ...]],
            list[tuple[Any, ...]],
            list[tuple[Any, ...]],
        ]
    ]:
        """(installments, invoices, payments, allocations) per CHUNK invoices."""
        rng = random.Random(2)
        third_left, extra_left = self.third, self.extra_undone
        for begin in range(0, INVOICES, CHUNK):
            installments: list[tuple[Any, ...]] = []
            bills: list[tuple[Any, ...]] = []
            pays: list[tuple[Any, ...]] = []
            allocs: list[tuple[Any, ...]] = []
            for n in range(begin, min(begin + CHUNK, INVOICES)):
                issued, fate = self.issued[n], self.fates[n]
                customer = rng.randrange(CUSTOMERS)
                currency = currencies[customer]
                amount = _money(rng, currency)
                due = issued + timedelta(days=rng.choice((30, 30, 45, 60)))
                contract = installment = None
                if rng.random() < 0.7:
                    contract_n = customer + CUSTOMERS * rng.randrange(CONTRACTS // CUSTOMERS)
                    contract = uid(2, contract_n)
                    if rng.random() < 0.2:
                        installment = uid(3, self.counts.installments)
                        self.counts.installments += 1
                        installments.append(
                            (installment, contract, f"期{n}", due - timedelta(days=15), amount,
                             currency, 0, NOW)
                        )  # fmt: skip
                shares: list[Decimal] = []
                if fate == "paid":
                    parts = 3 if third_left > 0 else 2
                    third_left -= parts == 3
                    shares = _split(amount, parts, currency)
                elif fate == "partial":
                    shares = _split(amount, 2, currency)[:1]
                paid = sum(shares, Decimal(0))
                voided = fate == "void"
                voided_on = min(issued + timedelta(days=3), self.today)
                written_off_on = min(due + timedelta(days=150), self.today)
                written_off = fate == "written_off"
                disputed = NOW if fate == "open" and rng.random() < 0.03 else None
                hold = (
                    self.today + timedelta(days=30)
                    if fate == "open" and rng.random() < 0.02
                    else None
                )
                bills.append(
                    (uid(4, n), uid(1, customer), contract, installment, None, amount, currency,
                     paid, issued, due, disputed, hold, "待确认" if hold else None,
                     _moment(voided_on) if voided else None, voided_on if voided else None,
                     _moment(written_off_on) if written_off else None,
                     written_off_on if written_off else None,
                     1, NOW, NOW)
                )  # fmt: skip
                received = issued + timedelta(days=rng.randrange(5, 25))
                for share in shares:
                    received = min(received + timedelta(days=rng.randrange(0, 20)), self.today)
                    self._allocation(pays, allocs, n, customer, currency, share, received)
                if fate == "paid" and extra_left > 0 and n % 40 == 7:
                    extra_left -= 1
                    reason = "reversed" if extra_left % 2 else "undone"
                    bounced = issued + timedelta(days=2)
                    self._allocation(
                        pays, allocs, n, customer, currency, shares[0], bounced,
                        undone=(_moment(bounced + timedelta(days=4)), reason),
                    )  # fmt: skip
            yield installments, bills, pays, allocs
        assert extra_left == 0, "not enough paid invoices for the undone allocations"

    def planned(self, currencies: list[str]) -> list[tuple[Any, ...]]:
        """Installments not invoiced yet, due over the next half year (for the forecast)."""
        rng = random.Random(4)
        rows = []
        for n in range(50_000):
            contract_n = rng.randrange(CONTRACTS)
            due = self.today + timedelta(days=rng.randrange(-30, 180))
            amount = _money(rng, currencies[contract_n % CUSTOMERS])
            rows.append(
                (uid(3, INVOICES + n), uid(2, contract_n), f"计划{n}", due, amount,
                 currencies[contract_n % CUSTOMERS], 1, NOW)
            )  # fmt: skip
        return rows

    def _allocation(
        self, pays: list[tuple[Any, ...]], allocs: list[tuple[Any, ...]], invoice: int,
        customer: int, currency: str, amount: Decimal, received: date,
        undone: tuple[datetime, str] | None = None,
    ) -> None:  # fmt: skip
        n = self.counts.allocations
        self.counts.allocations += 1
        undone_at, reason = undone if undone else (None, None)
        reversed_at = undone_at if reason == "reversed" else None
        allocated = Decimal(0) if undone else amount
        pays.append(
            (uid(5, n), uid(1, customer), amount, currency, allocated, received, reversed_at, 1,
             NOW, NOW)
        )  # fmt: skip
        allocs.append(
            (uid(6, n), uid(5, n), uid(4, invoice), amount, currency, received, NOW, "bench",
             undone_at, reason)
        )  # fmt: skip


def people(today: date) -> dict[str, list[tuple[Any, ...]]]:
    """Targets per owner, tasks and promises (with their interactions) for performance."""
    rng = random.Random(3)
    month = today.replace(day=1)
    targets = [
        (uid(7, n), f"owner-{n:03d} 本月", Decimal("5000000.00"), "CNY", month,
         today + timedelta(days=30), "owner", f"owner-{n:03d}", f"owner-{n:03d}", 1, NOW, NOW)
        for n in range(OWNERS)
    ]  # fmt: skip
    tasks = []
    for n in range(50_000):
        due = today - timedelta(days=rng.randrange(-30, 90))
        done = rng.random() < 0.6
        completed = _moment(due - timedelta(days=rng.randrange(-5, 5))) if done else None
        tasks.append(
            (uid(8, n), "跟进回款", "call", "done" if done else "todo", "normal",
             f"owner-{n % OWNERS:03d}", due, completed, 1, NOW, NOW)
        )  # fmt: skip
    interactions, promises = [], []
    for n in range(20_000):
        customer = rng.randrange(CUSTOMERS)
        promised = today + timedelta(days=rng.randrange(-60, 60))
        status = "open" if promised >= today else rng.choice(("kept", "broken", "partially_kept"))
        interactions.append(
            (
                uid(9, n),
                uid(1, customer),
                "phone",
                NOW,
                "承诺付款",
                "bench",
                f"owner-{n % OWNERS:03d}",
                NOW,
            )
        )
        promises.append(
            (uid(10, n), uid(9, n), uid(1, customer), None, Decimal("10000.00"), "CNY",
             Decimal(0), promised, promised - timedelta(days=10), status, 1, NOW, NOW)
        )  # fmt: skip
    return {"targets": targets, "tasks": tasks, "interactions": interactions, "promises": promises}


PEOPLE_COLUMNS = {
    "targets": ("id", "name", "amount", "currency", "period_start", "period_end", "scope",
                "scope_owner", "owner", "version", "created_at", "updated_at"),
    "tasks": ("id", "title", "kind", "status", "priority", "assignee", "due_date",
              "completed_at", "version", "created_at", "updated_at"),
    "interactions": ("id", "customer_id", "channel", "occurred_at", "summary", "recorded_by",
                     "recorded_by_user", "created_at"),
    "promises": ("id", "interaction_id", "customer_id", "invoice_id", "amount", "currency",
                 "paid_amount", "promised_date", "made_on", "status", "version", "created_at",
                 "updated_at"),
}  # fmt: skip


async def seed(conn: asyncpg.Connection, today: date) -> Counts:
    """Write the whole book with COPY (foreign-key triggers off while it loads), then
    VACUUM ANALYZE. Prints what it wrote and how long it took."""
    started = time.perf_counter()
    book = Book(today)
    currencies = book.customer_currency()
    await conn.execute("SET session_replication_role = replica")
    await conn.copy_records_to_table(
        "customers", records=book.customers(),
        columns=("id", "name", "currency", "payment_terms_days", "version", "created_at",
                 "updated_at"),
    )  # fmt: skip
    await conn.copy_records_to_table(
        "contracts", records=book.contracts(currencies),
        columns=("id", "customer_id", "name", "amount", "currency", "owner", "signed_on",
                 "version", "created_at", "updated_at"),
    )  # fmt: skip
    for installments, bills, pays, allocs in book.chunks(currencies):
        await conn.copy_records_to_table(
            "installments", records=installments,
            columns=("id", "contract_id", "name", "due_date", "amount", "currency", "position",
                     "created_at"),
        )  # fmt: skip
        await conn.copy_records_to_table("invoices", records=bills, columns=INVOICE_COLUMNS)
        await conn.copy_records_to_table("payments", records=pays, columns=PAYMENT_COLUMNS)
        await conn.copy_records_to_table(
            "payment_allocations", records=allocs, columns=ALLOCATION_COLUMNS
        )
        book.counts.invoices += len(bills)
    await conn.copy_records_to_table(
        "installments", records=book.planned(currencies),
        columns=("id", "contract_id", "name", "due_date", "amount", "currency", "position",
                 "created_at"),
    )  # fmt: skip
    for table, rows in people(today).items():
        await conn.copy_records_to_table(table, records=rows, columns=PEOPLE_COLUMNS[table])
    await conn.execute("SET session_replication_role = origin")
    loaded = time.perf_counter() - started
    await conn.execute("VACUUM ANALYZE")
    print(
        f"seeded {book.counts.invoices:,} invoices, {book.counts.allocations:,} allocations "
        f"(and as many payments), {book.counts.installments:,} installments in "
        f"{loaded:.0f} s, VACUUM ANALYZE {time.perf_counter() - started - loaded:.0f} s"
    )
    return book.counts


@contextlib.asynccontextmanager
async def seeded_database(today: date) -> AsyncIterator[str]:
    """A seeded database: a throwaway one, or the kept one BENCH_REPORT_DB names (seeded
    when it does not exist yet or its seed did not finish: the org tree comes last)."""
    kept = os.environ.get("BENCH_REPORT_DB")
    if not kept:
        async with bench_database("huikuan_bench_reports") as url:
            conn = await asyncpg.connect(asyncpg_dsn(url))
            try:
                await seed(conn, today)
                await seed_org(conn)
            finally:
                await conn.close()
            yield url
        return
    server = server_url()
    url = make_url(server).set(database=kept).render_as_string(hide_password=False)
    admin = await asyncpg.connect(asyncpg_dsn(server))
    try:
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", kept):
            conn = await asyncpg.connect(asyncpg_dsn(url))
            try:
                ready = await conn.fetchval(
                    "SELECT to_regclass('org_units') IS NOT NULL AND EXISTS (SELECT FROM org_units)"
                )
            finally:
                await conn.close()
            if ready:
                print(f"reusing the seeded database {kept}")
                yield url
                return
            await admin.execute(f'DROP DATABASE "{kept}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{kept}"')
    finally:
        await admin.close()
    await upgrade(url)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await seed(conn, today)
        await seed_org(conn)
    finally:
        await conn.close()
    yield url

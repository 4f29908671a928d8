"""Seeding for bench/worklist.py: 100,000 open invoices across 200 owners, with COPY.

2,000 customers, 10,000 contracts (50 per owner) of two installments, 100,000 open invoices
(10 per contract) due from 200 days ago to 60 days ahead, with the dunning levels a scan
would have set, 2 % disputed and 2 % on hold; 10,000 open and 40,000 done tasks (some on
other owners' invoices), 6,000 active risk flags (rule flags on overdue invoices, owned
flags on customers and invoices), 5,000 promises (broken lately, due today, kept, open).
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from harness import asyncpg_dsn

OWNERS = 200
CUSTOMERS = 2_000
CONTRACTS = 10_000
PER_CONTRACT = 10  # open invoices: 100,000
OPEN_TASKS, DONE_TASKS = 10_000, 40_000
PROMISES = 5_000
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # what the service takes for today
STAMP = datetime.now(UTC) - timedelta(days=300)
LADDER = ((60, 4), (30, 3), (15, 2), (1, 1))


COLUMNS = {
    "customers": "id name currency payment_terms_days version created_at updated_at",
    "contracts": "id customer_id name amount currency owner signed_on version created_at "
    "updated_at",
    "installments": "id contract_id name due_date amount currency position created_at",
    "invoices": "id customer_id contract_id installment_id external_id amount currency "
    "amount_paid issued_on due_date disputed_at hold_reason hold_until dunning_level version "
    "created_at updated_at",
    "tasks": "id title kind status priority assignee due_date customer_id contract_id "
    "invoice_id version created_at updated_at",
    "risk_flags": "id subject_type subject_id customer_id kind severity status source rule "
    "owner version created_at updated_at",
    "interactions": "id customer_id invoice_id channel occurred_at summary recorded_by created_at",
    "promises": "id interaction_id customer_id invoice_id amount currency paid_amount "
    "promised_date made_on status version created_at updated_at",
}
Row = tuple[Any, ...]
OpenInvoice = tuple[uuid.UUID, uuid.UUID, uuid.UUID, int]  # id, customer, contract, days late


def owner(n: int) -> str:
    return f"u-owner-{n}"


def dunning_level(days: int) -> int:
    return next((level for at, level in LADDER if days >= at), 0)


class Book:
    """Every table's rows, built from one seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rows: dict[str, list[Row]] = {table: [] for table in COLUMNS}
        self.customers = [uuid.uuid4() for _ in range(CUSTOMERS)]
        self.open: list[OpenInvoice] = []
        for n, customer_id in enumerate(self.customers):
            self.rows["customers"].append((customer_id, f"客户 {n}", "CNY", 30, 1, STAMP, STAMP))
        for c in range(CONTRACTS):
            self.contract(c)
        self.tasks()
        self.flags()
        self.promises()

    def contract(self, c: int) -> None:
        rng = self.rng
        contract_id, customer_id = uuid.uuid4(), rng.choice(self.customers)
        self.rows["contracts"].append(
            (contract_id, customer_id, f"合同 {c}", Decimal(10**6), "CNY", owner(c % OWNERS),
             date(2025, 1, 1), 1, STAMP, STAMP)
        )  # fmt: skip
        plan, totals = [uuid.uuid4(), uuid.uuid4()], [Decimal(0), Decimal(0)]
        for n in range(PER_CONTRACT):
            invoice_id, amount = uuid.uuid4(), Decimal(rng.randrange(1_000, 500_000))
            due = TODAY + timedelta(days=rng.randrange(-200, 61))
            days = max((TODAY - due).days, 0)
            paid = amount * Decimal("0.3") if rng.random() < 0.1 else Decimal(0)
            roll = rng.random()
            disputed = STAMP if roll < 0.02 else None
            held = TODAY + timedelta(days=10) if 0.02 <= roll < 0.04 else None
            totals[n % 2] += amount
            self.rows["invoices"].append(
                (invoice_id, customer_id, contract_id, plan[n % 2], f"INV-{c}-{n}", amount, "CNY",
                 paid, due - timedelta(days=30), due, disputed, "等待验收" if held else None,
                 held, dunning_level(days), 1, STAMP, STAMP)
            )  # fmt: skip
            self.open.append((invoice_id, customer_id, contract_id, days))
        for position, (installment_id, total) in enumerate(zip(plan, totals, strict=True)):
            extra = total / 10 if rng.random() < 0.2 else Decimal(0)  # not all invoiced yet
            due = TODAY - timedelta(days=90 - 120 * position)
            self.rows["installments"].append(
                (installment_id, contract_id, f"第{position + 1}期", due, total + extra, "CNY",
                 position, STAMP)
            )  # fmt: skip

    def tasks(self) -> None:
        for n in range(OPEN_TASKS + DONE_TASKS):
            invoice_id, customer_id, contract_id, _ = self.rng.choice(self.open)
            status = "todo" if n < OPEN_TASKS else "done"
            due = TODAY + timedelta(days=self.rng.randrange(-10, 10))
            self.rows["tasks"].append(
                (uuid.uuid4(), "跟进回款", "call", status, "normal",
                 owner(self.rng.randrange(OWNERS)), due, customer_id, contract_id, invoice_id, 1,
                 STAMP, STAMP)
            )  # fmt: skip

    def flags(self) -> None:
        rows, rng = self.rows["risk_flags"], self.rng
        flagged = rng.sample(self.open, 5_000)
        for invoice_id, customer_id, _, days in flagged[:4_500]:
            severity = 4 if days >= 90 else 3 if days >= 60 else 2 if days >= 30 else 1
            rows.append(
                (uuid.uuid4(), "invoice", invoice_id, customer_id, "overdue", severity, "open",
                 "rule", "overdue", None, 1, STAMP, STAMP)
            )  # fmt: skip
        for invoice_id, customer_id, _, _ in flagged[4_500:]:
            rows.append(
                (uuid.uuid4(), "invoice", invoice_id, customer_id, "invoice_error", 2, "open",
                 "user", None, owner(rng.randrange(OWNERS)), 1, STAMP, STAMP)
            )  # fmt: skip
        for customer_id in rng.sample(self.customers, 1_000):
            rows.append(
                (uuid.uuid4(), "customer", customer_id, customer_id, "credit",
                 rng.randrange(1, 5), "open", "user", None, owner(rng.randrange(OWNERS)), 1,
                 STAMP, STAMP)
            )  # fmt: skip

    def promises(self) -> None:
        for n in range(PROMISES):
            invoice_id, customer_id, _, _ = self.rng.choice(self.open)
            interaction_id = uuid.uuid4()
            self.rows["interactions"].append(
                (interaction_id, customer_id, invoice_id, "phone", STAMP, "承诺付款", "bench",
                 STAMP)
            )  # fmt: skip
            kind = n % 5  # broken lately, due today, kept, open for later, broken long ago
            promised = TODAY + timedelta(days=(-20, 0, -40, 15, -200)[kind])
            status = ("broken", "open", "kept", "open", "broken")[kind]
            self.rows["promises"].append(
                (uuid.uuid4(), interaction_id, customer_id, invoice_id if n % 2 else None,
                 Decimal(10_000), "CNY", Decimal(0), promised, promised - timedelta(days=7),
                 status, 1, STAMP, STAMP)
            )  # fmt: skip


async def seed(url: str) -> float:
    """COPY the book in (foreign keys hold by construction, so their triggers are skipped),
    then VACUUM ANALYZE; returns the seconds it took."""
    started = time.perf_counter()
    book = Book(seed=10)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("SET session_replication_role = replica")
        for table, columns in COLUMNS.items():
            await conn.copy_records_to_table(
                table, records=book.rows[table], columns=columns.split()
            )
        await conn.execute("RESET session_replication_role")
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started

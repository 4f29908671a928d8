"""The report SQL against a plain Python reading of the as-of rule, on a random book.

The SQL sums receivables "as of" a day from what changed since (open invoices, invoices
closed later, allocations received or reversed later); the oracle here applies the rule
to every invoice and allocation one by one. Both must agree on every day tried."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.customers.models import customers
from app.adapters.db.receivables.models import invoices, payment_allocations, payments
from app.adapters.db.uow import SqlUnitOfWork
from app.domain.reporting.reports import AgingBasis, AgingBucket, GroupBy, bucket_of, day_end
from app.services.reactions import REACTIONS
from app.services.reporting.ports import AgingQuery, AsOf, KpiQuery

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
CURRENCIES = ("CNY", "USD", "JPY")


@dataclass
class Alloc:
    amount: Decimal
    received_on: date
    undone_at: datetime | None = None
    undone_reason: str | None = None

    def counts_on(self, day: date) -> bool:
        if self.received_on > day:
            return False
        if self.undone_at is None:
            return True
        return self.undone_reason == "reversed" and self.undone_at >= day_end(day, ZONE)


@dataclass
class Bill:
    id: UUID
    currency: str
    amount: Decimal
    issued_on: date
    due_date: date
    voided_on: date | None = None
    written_off_on: date | None = None
    allocations: list[Alloc] = field(default_factory=list)

    def outstanding_on(self, day: date) -> Decimal:
        if self.issued_on > day:
            return Decimal(0)
        for closed in (self.voided_on, self.written_off_on):
            if closed is not None and closed <= day:
                return Decimal(0)
        return self.amount - sum(
            (a.amount for a in self.allocations if a.counts_on(day)), Decimal(0)
        )


def _moment(day: date, rng: random.Random) -> datetime:
    local = datetime.combine(day, time(rng.randrange(24), rng.randrange(60)), tzinfo=ZONE)
    return min(local.astimezone(UTC), NOW)


def random_book(rng: random.Random) -> list[Bill]:
    bills = []
    start = date(2026, 1, 1)
    for _ in range(400):
        currency = rng.choice(CURRENCIES)
        places = 0 if currency == "JPY" else 2
        amount = Decimal(rng.randrange(100, 100_000)).scaleb(-places)
        issued = start + timedelta(days=rng.randrange(330))
        bill = Bill(uuid4(), currency, amount, issued, issued + timedelta(days=rng.randrange(61)))
        left = amount
        for _ in range(rng.randrange(4)):
            part = min(left, Decimal(rng.randrange(1, 60_000)).scaleb(-places))
            if part <= 0:
                break
            received = issued + timedelta(days=rng.randrange(-10, 150))
            received = min(received, date(2026, 12, 2))  # a few dated after today
            alloc = Alloc(part, received)
            roll = rng.random()
            if roll < 0.15:
                alloc.undone_reason = "reversed"
            elif roll < 0.25:
                alloc.undone_reason = "undone"
            if alloc.undone_reason:
                undone_day = min(received + timedelta(days=rng.randrange(0, 60)), NOW.date())
                alloc.undone_at = _moment(undone_day, rng)
            else:
                left -= part
            bill.allocations.append(alloc)
        active = [a for a in bill.allocations if a.undone_at is None]
        roll = rng.random()
        closed_on = min(issued + timedelta(days=rng.randrange(1, 200)), NOW.date())
        if roll < 0.1 and not active:
            bill.voided_on = closed_on
        elif roll < 0.2 and left > 0:
            bill.written_off_on = closed_on
        bills.append(bill)
    return bills


async def store(engine: AsyncEngine, bills: list[Bill]) -> None:
    customer_id = uuid4()
    invoice_rows: list[dict[str, Any]] = []
    payment_rows: list[dict[str, Any]] = []
    allocation_rows: list[dict[str, Any]] = []
    for bill in bills:
        paid = sum((a.amount for a in bill.allocations if a.undone_at is None), Decimal(0))
        invoice_rows.append(
            {
                "id": bill.id, "customer_id": customer_id, "amount": bill.amount,
                "currency": bill.currency, "amount_paid": paid, "issued_on": bill.issued_on,
                "due_date": bill.due_date, "version": 1, "created_at": NOW, "updated_at": NOW,
                "voided_on": bill.voided_on, "voided_at": NOW if bill.voided_on else None,
                "written_off_on": bill.written_off_on,
                "written_off_at": NOW if bill.written_off_on else None,
            }
        )  # fmt: skip
        for alloc in bill.allocations:
            payment_id = uuid4()
            reversed_at = alloc.undone_at if alloc.undone_reason == "reversed" else None
            payment_rows.append(
                {
                    "id": payment_id, "customer_id": customer_id, "amount": alloc.amount,
                    "currency": bill.currency, "received_on": alloc.received_on,
                    "allocated_amount": alloc.amount if alloc.undone_at is None else 0,
                    "reversed_at": reversed_at, "version": 1,
                    "created_at": NOW, "updated_at": NOW,
                }
            )  # fmt: skip
            allocation_rows.append(
                {
                    "id": uuid4(), "payment_id": payment_id, "invoice_id": bill.id,
                    "amount": alloc.amount, "currency": bill.currency,
                    "received_on": alloc.received_on, "created_at": NOW, "created_by": "test",
                    "undone_at": alloc.undone_at, "undone_reason": alloc.undone_reason,
                }
            )  # fmt: skip
    async with engine.begin() as conn:
        await conn.execute(
            insert(customers),
            [
                {
                    "id": customer_id, "name": "随机客户", "currency": "CNY",
                    "payment_terms_days": 30, "version": 1, "created_at": NOW, "updated_at": NOW,
                }
            ],
        )  # fmt: skip
        await conn.execute(insert(invoices), invoice_rows)
        await conn.execute(insert(payments), payment_rows)
        await conn.execute(insert(payment_allocations), allocation_rows)


def as_of(day: date) -> AsOf:
    return AsOf(day, day_end(day, ZONE))


def oracle_aging(bills: list[Bill], day: date) -> dict[str, dict[AgingBucket, Decimal]]:
    found: dict[str, dict[AgingBucket, Decimal]] = defaultdict(
        lambda: dict.fromkeys(AgingBucket, Decimal(0))
    )
    for bill in bills:
        amount = bill.outstanding_on(day)
        if amount:
            found[bill.currency][bucket_of((day - bill.due_date).days)] += amount
    return {c: b for c, b in found.items() if any(b.values())}


DAYS = [date(2026, 1, 1), date(2026, 3, 31), date(2026, 7, 15), date(2026, 11, 26),
        date(2026, 11, 27), date(2026, 12, 31)]  # fmt: skip


async def test_ageing_as_of_any_day_matches_the_rule_applied_row_by_row(
    db: AsyncEngine,
) -> None:
    bills = random_book(random.Random(8))
    await store(db, bills)
    for day in DAYS:
        async with SqlUnitOfWork(db, REACTIONS) as uow:
            rows = await uow.reports.aging(
                AgingQuery(as_of(day), GroupBy.CUSTOMER, AgingBasis.INVOICE)
            )
        totals = {
            r.currency: {b: m.amount for b, m in r.buckets.items()}
            for r in rows
            if r.is_total and not r.is_zero()
        }
        assert totals == oracle_aging(bills, day), day


def oracle_kpis(bills: list[Bill], start: date, end: date) -> dict[str, dict[str, Decimal]]:
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    before = start - timedelta(days=1)
    for bill in bills:
        s = sums[bill.currency]
        s["opening"] += bill.outstanding_on(before)
        closing = bill.outstanding_on(end)
        s["closing"] += closing
        s["closing_current"] += closing if bill.due_date >= end else 0
        live = bill.issued_on <= end and (bill.voided_on is None or bill.voided_on > end)
        if live and start <= bill.issued_on:
            s["billed"] += bill.amount
        if live and start <= bill.due_date <= end:
            s["falling_due"] += bill.amount
        for alloc in bill.allocations:
            if not alloc.counts_on(end):
                continue
            if alloc.received_on >= start:  # money received, whenever its invoice was issued
                s["collected"] += alloc.amount
            if live and start <= bill.due_date <= end and alloc.received_on <= bill.due_date:
                s["collected_on_time"] += alloc.amount
    return {c: {k: v for k, v in s.items() if v} for c, s in sums.items()}


async def test_kpi_sums_match_the_rule_applied_row_by_row(db: AsyncEngine) -> None:
    bills = random_book(random.Random(27))
    await store(db, bills)
    for start, end in (
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2026, 6, 1), date(2026, 6, 30)),
        (date(2026, 10, 29), date(2026, 11, 27)),
    ):
        query = KpiQuery(as_of(start - timedelta(days=1)), start, as_of(end))
        async with SqlUnitOfWork(db, REACTIONS) as uow:
            rows = await uow.reports.kpi_sums(query)
        names = ("opening", "closing", "closing_current", "billed", "falling_due",
                 "collected", "collected_on_time")  # fmt: skip
        found = {
            r.currency: {n: getattr(r, n).amount for n in names if getattr(r, n).amount}
            for r in rows
        }
        expected = {c: s for c, s in oracle_kpis(bills, start, end).items() if s}
        assert {c: s for c, s in found.items() if s} == expected, (start, end)

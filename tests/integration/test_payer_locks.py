"""A payment of one payer locks its payer and invoices in one statement when nothing stands
in the way, and in two when something does: the payer's row is held by another transaction,
or an invoice it would reach changes between the statement's snapshot and its lock. Either
way the payment must allocate as if it had come after the other transaction."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.domain.events import Actor
from app.services.intake.intake import ingest_events
from app.services.platform import Platform
from tests.ingest_events import customer, event, invoice, payment

WAITING_ON_A_LOCK = (
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


async def ingest(platform: Platform, *events: dict[str, Any]) -> list[str]:
    report = await ingest_events(platform.uow(), platform.context(Actor("erp")), list(events))
    return [r.outcome.value for r in report.results]


async def allocations(db: AsyncEngine, payment_external_id: str) -> list[tuple[str, Decimal]]:
    sql = (
        "SELECT i.external_id, a.amount FROM payment_allocations a "
        "JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id "
        "WHERE p.external_id = :p ORDER BY i.external_id"
    )
    async with db.connect() as conn:
        result = await conn.execute(text(sql), {"p": payment_external_id})
        return [(r[0], r[1]) for r in result.all()]


@pytest.fixture
async def other(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """Another session, standing for another replica's transaction."""
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def two_invoices(platform: Platform) -> None:
    assert (
        await ingest(
            platform,
            event("customer.upserted", customer()),
            event("invoice.issued", invoice("FP-1", due_date="2026-10-01")),
            event("invoice.issued", invoice("FP-2", due_date="2026-10-02")),
        )
        == ["accepted"] * 3
    )


async def until_a_session_waits(conn: asyncpg.Connection) -> None:
    async with asyncio.timeout(10):
        while not await conn.fetchval(WAITING_ON_A_LOCK):
            await asyncio.sleep(0.01)


async def paying_while(
    platform: Platform, other: asyncpg.Connection, holding: str, then: str
) -> list[str]:
    """Pay 80.00 while ``other`` holds rows (``holding``, in an open transaction); once
    the payment waits for them, ``other`` runs ``then`` and commits."""
    await other.execute("BEGIN")
    await other.execute(holding)
    paying = asyncio.create_task(
        ingest(platform, event("payment.received", payment("P-9", amount="80.00")))
    )
    await until_a_session_waits(other)
    await other.execute(then)
    await other.execute("COMMIT")
    return await paying


HOLD_FP_1 = "SELECT 1 FROM invoices WHERE external_id = 'FP-1' FOR NO KEY UPDATE"
RACES = {
    # The other transaction holds the payer, as a payment of it would, and pays FP-1 off.
    "payer held by another payment": (
        "SELECT 1 FROM customers WHERE external_id = 'C-1' FOR NO KEY UPDATE",
        "UPDATE invoices SET amount_paid = amount WHERE external_id = 'FP-1'",
    ),
    # The snapshot saw FP-1 open, enough for 80.00; when the lock is granted it is void.
    "invoice voided meanwhile": (
        HOLD_FP_1,
        "UPDATE invoices SET voided_at = now(), voided_on = current_date, "
        "void_reason = 'issued twice', version = version + 1 WHERE external_id = 'FP-1'",
    ),
    # FP-1 stays open, so the lock returns it: only its version tells it changed.
    "invoice disputed meanwhile": (
        HOLD_FP_1,
        "UPDATE invoices SET disputed_at = now(), dispute_reason = 'wrong quantity', "
        "version = version + 1 WHERE external_id = 'FP-1'",
    ),
}


@pytest.mark.usefixtures("two_invoices")
@pytest.mark.parametrize(("holding", "then"), list(RACES.values()), ids=list(RACES))
async def test_a_payment_allocates_as_if_after_what_changed_under_its_lock(
    platform: Platform, db: AsyncEngine, other: asyncpg.Connection, holding: str, then: str
) -> None:
    outcome = await paying_while(platform, other, holding=holding, then=then)
    assert outcome == ["accepted"]
    assert await allocations(db, "P-9") == [("FP-2", Decimal("80.00"))]


@pytest.mark.usefixtures("two_invoices")
async def test_a_payment_of_a_free_payer_goes_to_its_oldest_invoice(
    platform: Platform, db: AsyncEngine
) -> None:
    assert await ingest(platform, event("payment.received", payment("P-9", amount="80.00"))) == [
        "accepted"
    ]
    assert await allocations(db, "P-9") == [("FP-1", Decimal("80.00"))]

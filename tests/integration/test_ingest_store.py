"""Ingestion on a real PostgreSQL: set-based payments, fallbacks, the sweep, installments."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.engine import create_engine
from app.adapters.db.uow import SqlUnitOfWorkFactory
from app.adapters.ids import Uuid7Generator
from app.domain.events import Actor
from app.services.customers.customers import NewCustomer, create_customer
from app.services.intake.intake import IngestReport, ingest_events
from app.services.intake.sweeper import ParkedEventSweeper
from app.services.platform import Platform
from app.services.reactions import REACTIONS
from app.services.receivables.payments import NewPayment, record_payment
from app.services.unit_of_work import in_transaction
from tests.ingest_events import contract, customer, event, invoice, payment


async def ingest(platform: Platform, *events: dict[str, Any]) -> IngestReport:
    return await ingest_events(platform.uow(), platform.context(Actor("erp")), list(events))


def statuses(report: IngestReport) -> list[str]:
    return [r.outcome.value for r in report.results]


async def rows(db: AsyncEngine, sql: str) -> list[tuple[Any, ...]]:
    async with db.connect() as conn:
        return [tuple(r) for r in (await conn.execute(text(sql))).all()]


async def test_a_run_of_payments_allocates_like_payments_recorded_one_by_one(
    platform: Platform, db: AsyncEngine
) -> None:
    await ingest(
        platform,
        event("customer.upserted", customer()),
        event("invoice.issued", invoice("FP-1", due_date="2026-10-01")),
        event("invoice.issued", invoice("FP-2", due_date="2026-10-02")),
        event("invoice.issued", invoice("FP-3", due_date="2026-12-01")),
        event("invoice.issued", invoice("FP-4", due_date="2026-10-03")),
    )
    report = await ingest(
        platform,
        event("payment.received", payment("P-1", amount="150.00")),
        event("payment.received", payment("P-2", amount="30.00", reference="付 fp-3")),
        event("payment.received", payment("P-3", amount="100.00", invoice_external_ids=["FP-4"])),
        event("payment.received", payment("P-4", amount="500.00")),
    )
    assert statuses(report) == ["accepted"] * 4
    allocations = await rows(
        db,
        "SELECT p.external_id, i.external_id, a.amount FROM payment_allocations a "
        "JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id "
        "ORDER BY a.created_at, a.id",
    )
    assert [(p, i, f"{amount:.2f}") for p, i, amount in allocations] == [
        ("P-1", "FP-1", "100.00"),
        ("P-1", "FP-2", "50.00"),
        ("P-2", "FP-3", "30.00"),
        ("P-3", "FP-4", "100.00"),
        ("P-4", "FP-2", "50.00"),
        ("P-4", "FP-3", "70.00"),
    ]
    totals = await rows(db, "SELECT external_id, amount_paid, status FROM invoices ORDER BY 1")
    assert [(e, f"{paid:.2f}", s) for e, paid, s in totals] == [
        ("FP-1", "100.00", "paid"),
        ("FP-2", "100.00", "paid"),
        ("FP-3", "100.00", "paid"),
        ("FP-4", "100.00", "paid"),
    ]
    unallocated = await rows(
        db, "SELECT amount - allocated_amount FROM payments WHERE external_id = 'P-4'"
    )
    assert unallocated == [(380,)]


async def test_a_write_that_fails_in_a_run_rejects_only_its_event(
    platform: Platform, db: AsyncEngine
) -> None:
    await ingest(
        platform, event("customer.upserted", customer()), event("invoice.issued", invoice())
    )
    (customer_id,) = (await rows(db, "SELECT id FROM customers"))[0]
    taken = NewPayment(
        customer_id, Decimal(5), "CNY", date(2026, 11, 20), external_id="P-2", allocations=()
    )
    await in_transaction(platform.uow(), record_payment, platform.context(Actor("rest")), taken)
    report = await ingest(
        platform,
        event("payment.received", payment("P-1", amount="10.00")),
        event("payment.received", payment("P-2", amount="10.00")),
        event("payment.received", payment("P-3", amount="10.00")),
    )
    assert statuses(report) == ["accepted", "rejected", "accepted"]
    problem = report.results[1].problem or {}
    assert problem["type"] == "urn:huikuan:problem:duplicate-external-id"
    stored = await rows(
        db,
        "SELECT event_id, status FROM ingest_events WHERE type = 'payment.received'",
    )
    assert sorted(s for _, s in stored) == ["applied", "applied", "rejected"]
    assert await rows(db, "SELECT sum(amount_paid) FROM invoices") == [(20,)]


async def test_the_sweep_applies_what_waited_for_a_record_that_arrived_unannounced(
    platform: Platform, db: AsyncEngine
) -> None:
    waiting = event("invoice.issued", invoice())
    assert statuses(await ingest(platform, waiting)) == ["parked"]
    # A customer created without announcing itself (as if its release had been cut short).
    await in_transaction(
        platform.uow(),
        create_customer,
        platform.context(Actor("t")),
        NewCustomer("甲", "CNY", external_id="C-1"),
    )
    sweeper = ParkedEventSweeper(
        platform.uow, platform.context(Actor.system("ingest")), interval_s=60
    )
    released = await sweeper.sweep()
    assert [(s.event.id, s.outcome.value) for s in released] == [(waiting["id"], "accepted")]
    assert await sweeper.sweep() == []
    assert await rows(db, "SELECT status FROM ingest_events") == [("applied",)]
    created_by = await rows(
        db, "SELECT data->'actor'->>'api_key' FROM outbox_events WHERE type = 'invoice.created'"
    )
    assert created_by == [("erp",)]  # released events act for the key that sent them


async def test_installment_paid_goes_to_the_payment_that_settled_it(
    platform: Platform, db: AsyncEngine
) -> None:
    await ingest(
        platform,
        event("customer.upserted", customer()),
        event("contract.upserted", contract()),
        event(
            "invoice.issued",
            invoice(
                "FP-1", contract_external_id="HT-1", installment_name="签约款", amount="300.00"
            ),
        ),
    )
    report = await ingest(
        platform,
        event("payment.received", payment("P-1", amount="200.00")),
        event("payment.received", payment("P-2", amount="100.00")),
        event("payment.received", payment("P-3", amount="50.00")),
    )
    assert statuses(report) == ["accepted"] * 3
    paid = await rows(
        db,
        "SELECT p.external_id FROM outbox_events e JOIN payments p "
        "ON p.id = (e.data->>'payment_id')::uuid WHERE e.type = 'installment.paid'",
    )
    assert paid == [("P-2",)]


async def test_a_commit_notifies_the_outbox_channel(platform: Platform, db: AsyncEngine) -> None:
    async with db.connect() as conn:
        raw: Any = (await conn.get_raw_connection()).driver_connection
        heard: list[str] = []

        def hear(*args: Any) -> None:
            heard.append(args[2])

        await raw.add_listener("huikuan_outbox", hear)
        await ingest(platform, event("customer.upserted", customer()))
        for _ in range(50):
            if heard:
                break
            await raw.execute("SELECT 1")
        await raw.remove_listener("huikuan_outbox", hear)
    assert heard == ["huikuan_outbox"]


async def test_two_replicas_racing_one_event_apply_it_once(
    platform: Platform, db: AsyncEngine, database_url: str
) -> None:
    await ingest(
        platform, event("customer.upserted", customer()), event("invoice.issued", invoice())
    )
    other_engine = create_engine(database_url, pool_size=4)
    try:
        other = Platform(
            uow=SqlUnitOfWorkFactory(other_engine, REACTIONS),
            clock=platform.clock,
            ids=Uuid7Generator(),
            idempotency=platform.idempotency,
            readiness=platform.readiness,
        )
        copy = event("payment.received", payment(amount="30.00"))
        reports = await asyncio.gather(
            *(ingest(replica, copy) for replica in (platform, other, platform, other))
        )
    finally:
        await other_engine.dispose()
    assert sorted(statuses(r)[0] for r in reports) == [
        "accepted",
        "duplicate",
        "duplicate",
        "duplicate",
    ]
    assert await rows(db, "SELECT count(*) FROM payments") == [(1,)]
    assert await rows(db, "SELECT amount_paid FROM invoices") == [(30,)]


async def test_ingested_payments_keep_promises_and_judge_amount_mismatch_like_rest(
    platform: Platform, db: AsyncEngine
) -> None:
    """The set-based batch path runs the collection rules that record_payment runs."""
    from app.domain.collection.interactions import Channel
    from app.services.collection.interactions import NewInteraction, NewPromise, record_interaction

    await ingest(
        platform,
        event("customer.upserted", customer()),
        event("customer.upserted", customer("C-2")),
        event("invoice.issued", invoice("FP-1", due_date="2026-12-01")),
        event("invoice.issued", invoice("FP-2", customer="C-2", due_date="2026-12-01")),
        event("invoice.issued", invoice("FP-3", customer="C-2", due_date="2026-12-02")),
    )
    (payer,) = await rows(db, "SELECT id FROM customers WHERE external_id = 'C-1'")
    ctx = platform.context(Actor("u"))
    await in_transaction(
        platform.uow(),
        record_interaction,
        ctx,
        NewInteraction(
            customer_id=payer[0],
            channel=Channel.PHONE,
            occurred_at=ctx.clock.now(),
            summary="答应月底前付",
            promise=NewPromise(Decimal("100.00"), "CNY", date(2026, 11, 30)),
        ),
    )
    report = await ingest(
        platform,
        event("payment.received", payment("P-1", received_on="2026-11-27")),
        # 150 spread over two invoices of 100 each, matching neither: amount_mismatch.
        event("payment.received", payment("P-2", customer="C-2", amount="150.00")),
    )
    assert statuses(report) == ["accepted", "accepted"]
    assert await rows(db, "SELECT status FROM promises") == [("kept",)]
    kinds = await rows(db, "SELECT kind, source FROM risk_flags ORDER BY kind")
    assert ("amount_mismatch", "rule") in kinds
    types = {t for (t,) in await rows(db, "SELECT type FROM outbox_events")}
    assert {"promise.kept", "risk.raised"} <= types


async def test_concurrent_ingested_payments_of_one_payer_allocate_as_if_one_after_another(
    platform: Platform, db: AsyncEngine
) -> None:
    """Each payment waits for its payer's lock, then picks invoices from what the payments
    before it left: none is left unallocated while an open invoice could take it."""
    await ingest(
        platform,
        event("customer.upserted", customer()),
        *(
            event("invoice.issued", invoice(f"FP-{i}", due_date=f"2026-10-0{i}"))
            for i in range(1, 6)
        ),
    )
    payments = [event("payment.received", payment(f"P-{n}", amount="25.00")) for n in range(20)]
    reports = await asyncio.gather(*(ingest(platform, p) for p in payments))
    assert [statuses(r) for r in reports] == [["accepted"]] * 20
    assert await rows(db, "SELECT sum(amount_paid), count(*) FROM invoices") == [
        (Decimal("500.0000"), 5)
    ]
    assert await rows(db, "SELECT count(*) FROM payments WHERE allocated_amount < amount") == [(0,)]

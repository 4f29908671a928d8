"""Ingestion use cases on fakes: outcomes, parking and release, staleness, idempotency."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import Any
from uuid import UUID

from app.domain.errors import Unavailable
from app.domain.intake.ingest import IngestStatus, parse_event
from app.services.intake.intake import IngestReport, ingest_events
from app.services.intake.release import release_arrivals, release_ready
from app.services.intake.steps import released_step
from tests.fakes import FakeUnitOfWork, FixedClock, context
from tests.fakes_ingest import FakeIngestRepository
from tests.ingest_events import contract, customer, event, invoice, payment


async def ingest(uow: FakeUnitOfWork, *events: dict[str, Any]) -> IngestReport:
    return await ingest_events(uow, context(FixedClock()), list(events))


def outcomes(report: IngestReport) -> list[str]:
    return [r.outcome.value for r in report.results]


def stored(uow: FakeUnitOfWork) -> dict[str, IngestStatus]:
    return {r.event_id: r.status for r in uow.ingest.rows.values()}


async def test_each_record_kind_is_created_through_its_use_case() -> None:
    uow = FakeUnitOfWork()
    report = await ingest(
        uow,
        event("customer.upserted", customer()),
        event("contract.upserted", contract()),
        event("invoice.issued", invoice(contract_external_id="HT-1", installment_name="签约款")),
        event("payment.received", payment(amount="60.00")),
    )
    assert outcomes(report) == ["accepted"] * 4
    (inv,) = uow.invoices.rows.values()
    (contract_row,) = uow.contracts.rows.values()
    assert inv.contract_id == contract_row.id
    assert inv.installment_id == contract_row.installments[0].id
    (paid,) = uow.payments.rows.values()
    assert [a.invoice_id for a in paid.allocations] == [inv.id]
    assert inv.id in {a.invoice_id for a in paid.allocations}
    assert [e.type for e in uow.events] == [
        "customer.created",
        "contract.created",
        "invoice.created",
        "payment.received",  # its allocation inside: no payment.allocated besides
    ]


async def test_a_repeat_is_a_duplicate_within_a_batch_and_across_batches() -> None:
    uow = FakeUnitOfWork()
    first = event("customer.upserted", customer())
    assert outcomes(await ingest(uow, first, dict(first))) == ["accepted", "duplicate"]
    changed = {**first, "data": customer(name="改名")}
    assert outcomes(await ingest(uow, changed)) == ["duplicate"]
    (row,) = uow.customers.rows.values()
    assert row.name == "客户 C-1"


async def test_one_bad_event_is_rejected_alone_with_its_problem() -> None:
    uow = FakeUnitOfWork()
    report = await ingest(
        uow,
        event("customer.upserted", customer("C-1")),
        event("customer.upserted", customer("C-2", credit_limit="1.234")),  # CNY: 2 decimals
        event("invoice.issued", invoice(amount="-1")),
        {"id": 7, "type": "customer.upserted"},
        event("customer.upserted", customer("C-3")),
    )
    assert outcomes(report) == ["accepted", "rejected", "rejected", "rejected", "accepted"]
    fraction, negative, unreadable = (r.problem or {} for r in report.results[1:4])
    assert (fraction["status"], "CNY" in fraction["detail"]) == (422, True)
    assert negative["type"] == "urn:huikuan:problem:invalid-event"
    assert negative["errors"] == [{"loc": ["data", "amount"], "msg": "must be greater than zero"}]
    assert (report.results[3].id, unreadable["status"]) == (None, 422)
    assert {r.external_id for r in uow.customers.rows.values()} == {"C-1", "C-3"}
    assert stored(uow)[report.results[1].id or ""] is IngestStatus.REJECTED


async def test_a_payment_waits_for_its_invoice_and_the_invoice_for_its_customer() -> None:
    uow = FakeUnitOfWork()
    paid = event("payment.received", payment(invoice_external_ids=["FP-1"]))
    billed = event("invoice.issued", invoice())
    assert outcomes(await ingest(uow, paid)) == ["parked"]
    assert outcomes(await ingest(uow, billed)) == ["parked"]
    (waiting,) = [r for r in uow.ingest.rows.values() if r.event_id == billed["id"]]
    assert [str(k) for k in waiting.waits_for] == ["customer:C-1"]
    report = await ingest(uow, event("customer.upserted", customer()))
    assert outcomes(report) == ["accepted"]
    assert [(s.event.id, s.outcome.value) for s in report.released] == [
        (billed["id"], "accepted"),
        (paid["id"], "accepted"),
    ]
    assert set(stored(uow).values()) == {IngestStatus.APPLIED}
    (payment_row,) = uow.payments.rows.values()
    (invoice_row,) = uow.invoices.rows.values()
    assert [a.invoice_id for a in payment_row.allocations] == [invoice_row.id]


async def test_a_record_that_waited_events_need_and_arrives_in_the_same_batch() -> None:
    uow = FakeUnitOfWork()
    report = await ingest(
        uow,
        event("invoice.issued", invoice(), occurred_at="2026-11-27T08:00:00Z"),
        event("customer.upserted", customer(), occurred_at="2026-11-27T09:00:00Z"),
    )
    assert outcomes(report) == ["accepted", "accepted"]
    assert report.released == []
    assert len(uow.invoices.rows) == 1


async def test_an_older_update_does_not_overwrite_a_newer_one() -> None:
    uow = FakeUnitOfWork()
    await ingest(uow, event("customer.upserted", customer()))
    newer = event("invoice.updated", invoice(amount="300.00"), occurred_at="2026-11-27T10:00:00Z")
    older = event("invoice.updated", invoice(amount="200.00"), occurred_at="2026-11-27T09:00:00Z")
    assert outcomes(await ingest(uow, newer)) == ["accepted"]
    assert outcomes(await ingest(uow, older)) == ["accepted"]
    (row,) = uow.invoices.rows.values()
    assert row.amount.to_wire() == "300.00"
    (stale,) = [r for r in uow.ingest.rows.values() if r.event_id == older["id"]]
    assert (stale.note or "").startswith("stale: an event about invoice:FP-1")
    same_batch = await ingest(
        uow,
        event("invoice.updated", invoice(amount="500.00"), occurred_at="2026-11-27T12:00:00Z"),
        event("invoice.updated", invoice(amount="400.00"), occurred_at="2026-11-27T11:00:00Z"),
    )
    assert outcomes(same_batch) == ["accepted", "accepted"]
    assert next(iter(uow.invoices.rows.values())).amount.to_wire() == "500.00"


async def test_records_created_another_way_release_what_waits_for_them() -> None:
    uow = FakeUnitOfWork()
    reversal = event("payment.reversed", {"external_id": "P-9", "reason": "退票"})
    assert outcomes(await ingest(uow, event("customer.upserted", customer()), reversal)) == [
        "accepted",
        "parked",
    ]
    await ingest(uow, event("payment.received", payment("P-9")))
    (row,) = uow.payments.rows.values()
    assert row.reversed_at is not None  # released by the payment's own arrival
    late = event("invoice.voided", {"external_id": "FP-7"})
    await ingest(uow, late)
    assert await release_arrivals(uow, context(), []) == []
    assert await release_ready(uow, context()) == []  # FP-7 still unknown
    await ingest(uow, event("invoice.issued", invoice("FP-7")))
    assert stored(uow)[late["id"]] is IngestStatus.APPLIED
    (voided,) = [i for i in uow.invoices.rows.values() if i.external_id == "FP-7"]
    assert voided.voided_at is not None


async def test_repeated_terminal_actions_are_accepted_and_noted() -> None:
    uow = FakeUnitOfWork()
    await ingest(
        uow,
        event("customer.upserted", customer()),
        event("invoice.issued", invoice()),
        event("invoice.voided", {"external_id": "FP-1"}),
    )
    again = event("invoice.voided", {"external_id": "FP-1"})
    assert outcomes(await ingest(uow, again)) == ["accepted"]
    (row,) = [r for r in uow.ingest.rows.values() if r.event_id == again["id"]]
    assert row.note == "already void"


class ReadyFails(FakeIngestRepository):
    """The second look after parking fails (the database went away just then)."""

    async def ready(self, limit: int, among: Collection[UUID] | None = None) -> list[UUID]:
        raise Unavailable("gone")


async def test_a_failure_after_the_commit_does_not_change_the_answer() -> None:
    uow = FakeUnitOfWork()
    failing = ReadyFails(uow.customers, uow.contracts, uow.invoices, uow.payments)
    uow.ingest = failing
    waiting = event("invoice.issued", invoice())
    assert outcomes(await ingest(uow, waiting)) == ["parked"]
    assert stored(uow)[waiting["id"]] is IngestStatus.PARKED


async def test_a_released_event_keeps_the_settings_of_the_context_it_is_applied_in() -> None:
    # Released later, a parked event acts for the key that sent it, with the service's
    # settings: grace days and default currency must not fall back to their defaults.
    uow = FakeUnitOfWork()
    paid = event("payment.received", payment(invoice_external_ids=["FP-1"]))
    assert outcomes(await ingest(uow, paid)) == ["parked"]
    (record,) = uow.ingest.rows.values()
    ctx = replace(context(actor="sweeper"), promise_grace_days=7, default_currency="USD")
    step = released_step(parse_event(record.document), record, ctx)
    assert (step.ctx.promise_grace_days, step.ctx.default_currency) == (7, "USD")
    assert step.ctx.actor.key_name == record.sent_by

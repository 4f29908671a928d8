"""The interaction and promise repositories: what the fake and PostgreSQL both do. An
interaction knows its promise from the promise's row; what counts toward a promise is the
customer's active allocations from the day it was made to its deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from uuid import UUID, uuid4

from app.domain.collection.interactions import Channel, Interaction
from app.domain.collection.promises import Promise, PromiseStatus
from app.domain.errors import UnknownReference
from app.domain.money import Money
from app.domain.receivables import payments as rules
from app.services.collection.ports import CountedPromise
from tests.contract.conftest import Store, a_customer, fails
from tests.contract.test_payments import allocation, an_invoice, payment
from tests.unit.builders import NOW


def interaction(customer_id: UUID, invoice_id: UUID | None = None) -> Interaction:
    return Interaction(
        id=uuid4(),
        customer_id=customer_id,
        invoice_id=invoice_id,
        channel=Channel.PHONE,
        occurred_at=NOW - timedelta(hours=1),
        summary="客户承诺月底付款",
        outcome="承诺",
        recorded_by="test-key",
        recorded_by_user="u-sales-1",
        created_at=NOW,
    )


async def a_promise(
    uow: Store,
    customer_id: UUID,
    *,
    invoice_id: UUID | None = None,
    promised_date: date = date(2026, 11, 30),
    status: PromiseStatus = PromiseStatus.OPEN,
) -> Promise:
    talk = interaction(customer_id, invoice_id)
    await uow.interactions.add(talk)
    promise = Promise(
        id=uuid4(),
        customer_id=customer_id,
        interaction_id=talk.id,
        invoice_id=invoice_id,
        amount=Money.of("200.00", "CNY"),
        paid_amount=Money.zero("CNY"),
        promised_date=promised_date,
        made_on=date(2026, 11, 10),
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )
    await uow.promises.add(promise)
    return promise


async def test_an_interaction_comes_back_with_the_promise_made_in_it(uow: Store) -> None:
    customer_id = await a_customer(uow)
    bill = await an_invoice(uow, customer_id)
    talk = interaction(customer_id, bill)
    await uow.interactions.add(talk)
    assert await uow.interactions.get(talk.id) == talk
    assert await uow.interactions.get(uuid4()) is None
    promise = await a_promise(uow, customer_id)
    made_in = await uow.interactions.get(promise.interaction_id)
    assert made_in is not None
    assert made_in.promise_id == promise.id


async def test_an_interaction_with_an_unknown_customer_or_invoice_is_refused(uow: Store) -> None:
    customer_id = await a_customer(uow)
    async with fails(uow, UnknownReference):
        await uow.interactions.add(interaction(uuid4()))
    async with fails(uow, UnknownReference):
        await uow.interactions.add(interaction(customer_id, uuid4()))


async def test_add_then_get_gives_promises_back(uow: Store) -> None:
    customer_id = await a_customer(uow)
    bill = await an_invoice(uow, customer_id)
    first, second = (
        await a_promise(uow, customer_id),
        await a_promise(uow, customer_id, invoice_id=bill),
    )
    assert await uow.promises.get(first.id) == first
    assert await uow.promises.get(uuid4()) is None
    found = await uow.promises.get_many([first.id, second.id, uuid4()])
    assert found == {first.id: first, second.id: second}
    assert await uow.promises.get_many([]) == {}


async def test_save_evaluations_writes_status_paid_stamps_and_version_only(uow: Store) -> None:
    customer_id = await a_customer(uow)
    first, second = await a_promise(uow, customer_id), await a_promise(uow, customer_id)
    later = NOW + timedelta(days=1)
    kept = replace(
        first,
        status=PromiseStatus.KEPT,
        paid_amount=Money.of("200.00", "CNY"),
        kept_at=later,
        version=2,
        updated_at=later,
    )
    broken = replace(second, status=PromiseStatus.BROKEN, broken_at=later, version=2)
    moved = replace(kept, promised_date=date(2027, 1, 1), made_on=date(2026, 12, 1))
    await uow.promises.save_evaluations([moved, broken])
    await uow.promises.save_evaluations([])
    assert await uow.promises.get_many([first.id, second.id]) == {
        first.id: kept,
        second.id: broken,
    }


async def test_lock_countable_sums_what_counts_toward_each_unsettled_promise(
    uow: Store,
) -> None:
    customer_id = await a_customer(uow)
    bills = [await an_invoice(uow, customer_id) for _ in range(2)]
    anywhere = await a_promise(uow, customer_id)
    on_first = await a_promise(uow, customer_id, invoice_id=bills[0])
    on_second = await a_promise(uow, customer_id, invoice_id=bills[1])
    await a_promise(uow, customer_id, status=PromiseStatus.KEPT)
    await a_promise(uow, customer_id, promised_date=date(2026, 11, 12))  # deadline passed
    bare = payment(customer_id)  # received 2026-11-20
    new = [allocation(bare, bills[0], "100.00"), allocation(bare, bills[1], "30.00", 1)]
    await uow.payments.add(rules.add_allocations(bare, new, NOW))
    counted = await uow.promises.lock_countable(
        customer_id, "CNY", bare.received_on, [bills[0]], grace_days=3
    )
    assert counted == sorted(
        [
            CountedPromise(anywhere, Money.of("130.00", "CNY")),
            CountedPromise(on_first, Money.of("100.00", "CNY")),
        ],
        key=lambda c: c.promise.id,
    )
    assert on_second.id not in {c.promise.id for c in counted}
    assert await uow.promises.lock_countable(customer_id, "USD", bare.received_on, [], 3) == []


async def test_past_deadline_locks_open_promises_oldest_first_and_counts_broken(
    uow: Store,
) -> None:
    customer_id = await a_customer(uow)
    late = await a_promise(uow, customer_id, promised_date=date(2026, 11, 20))
    later = await a_promise(uow, customer_id, promised_date=date(2026, 11, 25))
    await a_promise(uow, customer_id, promised_date=date(2026, 11, 28))  # in its grace
    await a_promise(uow, customer_id, promised_date=date(2026, 11, 1), status=PromiseStatus.BROKEN)
    today = date(2026, 11, 30)
    assert await uow.promises.lock_past_deadline(today, 2, 10) == [late, later]
    assert await uow.promises.lock_past_deadline(today, 2, 1) == [late]
    assert await uow.promises.broken_count(customer_id, date(2026, 11, 1)) == 1
    assert await uow.promises.broken_count(customer_id, date(2026, 11, 2)) == 0

"""The payment repository: what the fake and PostgreSQL both do. A payment has no ``save``
(so no version check): it changes only by allocations added or undone, each write moving
``allocated_amount`` and the version by what the domain's rule did."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from uuid import UUID, uuid4

from app.domain.errors import DuplicateExternalId, UnknownReference
from app.domain.money import Money
from app.domain.receivables import payments as rules
from app.domain.receivables.payments import Allocation, Payment
from tests.contract.conftest import Store, a_customer, fails
from tests.unit.builders import NOW, invoice


def payment(customer_id: UUID, amount: str = "500.00", external_id: str | None = None) -> Payment:
    return Payment(
        id=uuid4(),
        customer_id=customer_id,
        amount=Money.of(amount, "CNY"),
        allocated_amount=Money.zero("CNY"),
        received_on=date(2026, 11, 20),
        created_at=NOW,
        updated_at=NOW,
        external_id=external_id,
        method="bank_transfer",
        reference="合同款 INV-1",
    )


def allocation(paid: Payment, invoice_id: UUID, amount: str, minutes: int = 0) -> Allocation:
    return Allocation(
        id=uuid4(),
        payment_id=paid.id,
        invoice_id=invoice_id,
        amount=Money.of(amount, "CNY"),
        received_on=paid.received_on,
        created_at=NOW + timedelta(minutes=minutes),
        created_by="test-key",
    )


async def an_invoice(uow: Store, customer_id: UUID) -> UUID:
    added = invoice(customer_id=customer_id, amount="300.00")
    await uow.invoices.add(added)
    return added.id


async def test_add_then_get_gives_the_payment_back_with_its_allocations_oldest_first(
    uow: Store,
) -> None:
    customer_id = await a_customer(uow)
    bills = [await an_invoice(uow, customer_id) for _ in range(2)]
    bare = payment(customer_id, external_id="P-1")
    later, earlier = allocation(bare, bills[0], "100.00", 5), allocation(bare, bills[1], "50.00")
    added = replace(bare, allocations=(earlier, later), allocated_amount=Money.of("150", "CNY"))
    await uow.payments.add(replace(added, allocations=(later, earlier)))
    assert await uow.payments.get(added.id) == added
    assert await uow.payments.get(added.id, lock=True) == added


async def test_unknown_payments_are_none(uow: Store) -> None:
    assert await uow.payments.get(uuid4()) is None
    assert await uow.payments.get(uuid4(), lock=True) is None


async def test_a_taken_external_id_or_an_unknown_customer_is_refused(uow: Store) -> None:
    customer_id = await a_customer(uow)
    await uow.payments.add(payment(customer_id, external_id="P-1"))
    async with fails(uow, DuplicateExternalId):
        await uow.payments.add(payment(customer_id, external_id="P-1"))
    async with fails(uow, UnknownReference):
        await uow.payments.add(payment(uuid4()))
    async with fails(uow, DuplicateExternalId):
        await uow.payments.add_allocated([payment(customer_id, external_id="P-1")], {}, NOW)


async def test_add_allocated_writes_payments_allocations_and_the_invoices_totals(
    uow: Store,
) -> None:
    customer_id = await a_customer(uow)
    bill = await an_invoice(uow, customer_id)
    bare = payment(customer_id, external_id="P-1")
    paid = rules.add_allocations(bare, [allocation(bare, bill, "120.00")], NOW)
    paid = replace(paid, version=1)  # a new payment is written as it comes
    later = NOW + timedelta(hours=1)
    await uow.payments.add_allocated([paid], {bill: Money.of("120.00", "CNY")}, later)
    assert await uow.payments.get(paid.id) == paid
    billed = await uow.invoices.get(bill)
    assert billed is not None
    assert (billed.amount_paid, billed.version, billed.updated_at) == (
        Money.of("120.00", "CNY"),
        2,
        later,
    )


async def test_add_allocations_brings_the_payment_to_what_the_rule_made(uow: Store) -> None:
    customer_id = await a_customer(uow)
    bills = [await an_invoice(uow, customer_id) for _ in range(2)]
    bare = payment(customer_id)
    await uow.payments.add(bare)
    first = rules.add_allocations(bare, [allocation(bare, bills[0], "100.00")], NOW)
    await uow.payments.add_allocations(first, first.allocations)
    new = [allocation(bare, bills[1], "30.00", 1)]
    second = rules.add_allocations(first, new, NOW + timedelta(minutes=1))
    await uow.payments.add_allocations(second, new)
    await uow.payments.add_allocations(second, [])  # nothing to write
    assert await uow.payments.get(bare.id) == second
    assert second.version == 3


async def test_mark_undone_stamps_allocations_and_brings_the_payment_along(uow: Store) -> None:
    customer_id = await a_customer(uow)
    bills = [await an_invoice(uow, customer_id) for _ in range(2)]
    bare = payment(customer_id)
    await uow.payments.add(bare)
    new = [allocation(bare, bills[0], "100.00"), allocation(bare, bills[1], "30.00", 1)]
    allocated = rules.add_allocations(bare, new, NOW)
    await uow.payments.add_allocations(allocated, new)
    later = NOW + timedelta(hours=1)
    undone, one = rules.undo_allocation(allocated, new[0].id, later)
    await uow.payments.mark_undone(undone, [one])
    assert await uow.payments.get(bare.id) == undone
    reversed_, rest = rules.reverse_payment(undone, "退票", later + timedelta(hours=1))
    await uow.payments.mark_undone(reversed_, rest)
    assert await uow.payments.get(bare.id) == reversed_
    # Reversing a payment with nothing allocated writes the payment row alone.
    lone = payment(customer_id)
    await uow.payments.add(lone)
    bounced, none = rules.reverse_payment(lone, None, later)
    await uow.payments.mark_undone(bounced, none)
    assert await uow.payments.get(lone.id) == bounced

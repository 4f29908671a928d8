"""The invoice repository: what the fake and PostgreSQL both do, ``amount_paid`` above all:
``save`` leaves it as stored, only ``add_paid`` moves it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

from app.domain.errors import Conflict, DuplicateExternalId, StaleVersion, UnknownReference
from app.domain.money import Money
from app.domain.receivables.invoices import Hold
from tests.contract.conftest import Store, a_customer, fails
from tests.unit.builders import NOW, contract, invoice


async def test_add_then_get_gives_the_invoice_back(uow: Store) -> None:
    customer_id = await a_customer(uow)
    added = replace(
        invoice(customer_id=customer_id, external_id="INV-1", paid="30.00"),
        hold=Hold("客户出差", date(2026, 12, 1)),
    )
    await uow.invoices.add(added)
    assert await uow.invoices.get(added.id) == added
    assert await uow.invoices.get(added.id, lock=True) == added


async def test_reads_carry_the_contracts_late_fee_rate(uow: Store) -> None:
    customer_id = await a_customer(uow)
    deal = replace(contract(), customer_id=customer_id, late_fee_rate=Decimal("0.0005"))
    await uow.contracts.add(deal)
    added = replace(invoice(customer_id=customer_id), contract_id=deal.id)
    await uow.invoices.add(added)
    read = await uow.invoices.get(added.id)
    assert read == replace(added, late_fee_rate=Decimal("0.0005"))
    assert await uow.invoices.get_many([added.id]) == [read]


async def test_add_writes_no_dunning_level_the_overdue_scan_does(uow: Store) -> None:
    added = replace(invoice(customer_id=await a_customer(uow)), dunning_level=2)
    await uow.invoices.add(added)
    assert await uow.invoices.get(added.id) == replace(added, dunning_level=0)


async def test_unknown_invoices_are_none_or_left_out(uow: Store) -> None:
    customer_id = await a_customer(uow)
    first, second = invoice(customer_id=customer_id), invoice(customer_id=customer_id)
    await uow.invoices.add(second)
    await uow.invoices.add(first)
    assert await uow.invoices.get(uuid4()) is None
    assert await uow.invoices.get_many([]) == []
    found = await uow.invoices.get_many([uuid4(), second.id, first.id], lock=True)
    assert found == sorted([first, second], key=lambda i: i.id)


async def test_a_taken_external_id_or_an_unknown_customer_is_refused(uow: Store) -> None:
    customer_id = await a_customer(uow)
    await uow.invoices.add(invoice(customer_id=customer_id, external_id="INV-1"))
    async with fails(uow, DuplicateExternalId):
        await uow.invoices.add(invoice(customer_id=customer_id, external_id="INV-1"))
    async with fails(uow, UnknownReference):
        await uow.invoices.add(invoice(customer_id=uuid4()))


async def test_add_many_inserts_all_or_none(uow: Store) -> None:
    customer_id = await a_customer(uow)
    batch = [invoice(customer_id=customer_id, external_id=f"INV-{n}") for n in range(3)]
    await uow.invoices.add_many(batch)
    assert await uow.invoices.get_many([i.id for i in batch]) == sorted(batch, key=lambda i: i.id)
    clash = [
        invoice(customer_id=customer_id, external_id="INV-9"),
        invoice(customer_id=customer_id, external_id="INV-1"),
    ]
    async with fails(uow, DuplicateExternalId):
        await uow.invoices.add_many(clash)
    assert await uow.invoices.get(clash[0].id) is None


async def test_save_writes_what_an_action_changes_but_never_amount_paid(uow: Store) -> None:
    customer_id = await a_customer(uow)
    added = invoice(customer_id=customer_id, paid="40.00")
    await uow.invoices.add(added)
    later = NOW + timedelta(hours=1)
    acted = replace(
        added,
        amount_paid=Money.of("99.00", "CNY"),  # not the save's to write
        due_date=date(2026, 12, 31),
        disputed_at=later,
        dispute_reason="数量不符",
        hold=Hold("谈判中", date(2027, 1, 15)),
        version=2,
        updated_at=later,
    )
    await uow.invoices.save(acted, expected_version=1)
    assert await uow.invoices.get(added.id) == replace(acted, amount_paid=added.amount_paid)


async def test_save_keeps_what_is_fixed_at_creation(uow: Store) -> None:
    customer_id, other = await a_customer(uow), await a_customer(uow)
    added = invoice(customer_id=customer_id)
    await uow.invoices.add(added)
    moved = replace(
        added, customer_id=other, created_at=NOW + timedelta(days=1), dunning_level=3, version=2
    )
    await uow.invoices.save(moved, expected_version=1)
    assert await uow.invoices.get(added.id) == replace(added, version=2)


async def test_save_with_a_stale_version_changes_nothing(uow: Store) -> None:
    added = invoice(customer_id=await a_customer(uow))
    await uow.invoices.add(added)
    async with fails(uow, StaleVersion):
        await uow.invoices.save(replace(added, dispute_reason="x", version=3), 2)
    assert await uow.invoices.get(added.id) == added


async def test_save_of_an_unknown_invoice_is_stale(uow: Store) -> None:
    async with fails(uow, StaleVersion):
        await uow.invoices.save(invoice(customer_id=await a_customer(uow)), 1)


async def test_add_paid_moves_amount_paid_bumps_the_version_and_stamps_the_time(
    uow: Store,
) -> None:
    customer_id = await a_customer(uow)
    first, second = invoice(customer_id=customer_id), invoice(customer_id=customer_id)
    await uow.invoices.add(first)
    await uow.invoices.add(second)
    later = NOW + timedelta(hours=2)
    await uow.invoices.add_paid({first.id: Money.of("60.00", "CNY")}, later)
    await uow.invoices.add_paid({first.id: Money.of("-20.00", "CNY")}, later)
    await uow.invoices.add_paid({}, later)
    await uow.invoices.add_paid({uuid4(): Money.of("10.00", "CNY")}, later)  # no such row
    paid = replace(first, amount_paid=Money.of("40.00", "CNY"), version=3, updated_at=later)
    assert await uow.invoices.get(first.id) == paid
    assert await uow.invoices.get(second.id) == second


async def test_add_paid_past_the_amount_or_below_zero_is_a_conflict(uow: Store) -> None:
    added = invoice(customer_id=await a_customer(uow), amount="100.00", paid="10.00")
    await uow.invoices.add(added)
    async with fails(uow, Conflict):
        await uow.invoices.add_paid({added.id: Money.of("90.01", "CNY")}, NOW)
    async with fails(uow, Conflict):
        await uow.invoices.add_paid({added.id: Money.of("-10.01", "CNY")}, NOW)
    assert await uow.invoices.get(added.id) == added


async def test_allocation_candidates_are_the_customers_open_invoices_in_the_currency(
    uow: Store,
) -> None:
    customer_id, other = await a_customer(uow), await a_customer(uow)
    reachable = invoice(customer_id=customer_id)
    out_of_reach = [
        invoice(customer_id=customer_id, voided=True),
        invoice(customer_id=customer_id, paid="100.00"),
        invoice(customer_id=customer_id, currency="USD"),
        invoice(customer_id=other),
    ]
    for each in [reachable, *out_of_reach]:
        await uow.invoices.add(each)
    found = await uow.invoices.lock_allocation_candidates(
        customer_id, Money.of("100.00", "CNY"), None, []
    )
    assert found == [reachable]

"""The customer repository: what the fake and PostgreSQL both do."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

from app.domain.customers.customers import Contact, CreditRating
from app.domain.errors import DuplicateExternalId, StaleVersion
from app.domain.money import Money
from tests.contract.conftest import Store, customer, fails
from tests.unit.builders import NOW


async def test_add_then_get_gives_the_customer_back(uow: Store) -> None:
    added = replace(
        customer(external_id="C-1", credit_limit="5000.00"),
        credit_rating=CreditRating.B,
        contacts=(Contact(name="王芳", email="wang@example.com", phone=None, role="财务"),),
    )
    await uow.customers.add(added)
    assert await uow.customers.get(added.id) == added


async def test_add_many_inserts_all_or_none(uow: Store) -> None:
    batch = [customer(external_id=f"C-{n}") for n in range(3)]
    await uow.customers.add_many(batch)
    assert [await uow.customers.get(c.id) for c in batch] == batch
    clash = [customer(external_id="C-9"), customer(external_id="C-1")]
    async with fails(uow, DuplicateExternalId):
        await uow.customers.add_many(clash)
    assert await uow.customers.get(clash[0].id) is None


async def test_unknown_customers_are_none_and_cannot_be_locked(uow: Store) -> None:
    assert await uow.customers.get(uuid4()) is None
    assert await uow.customers.lock(uuid4()) is False


async def test_lock_finds_an_existing_customer(uow: Store) -> None:
    added = customer()
    await uow.customers.add(added)
    assert await uow.customers.lock(added.id) is True


async def test_a_taken_external_id_is_a_duplicate(uow: Store) -> None:
    await uow.customers.add(customer(external_id="C-1"))
    async with fails(uow, DuplicateExternalId):
        await uow.customers.add(customer(external_id="C-1"))
    await uow.customers.add(customer())  # no external id: never a duplicate
    await uow.customers.add(customer())


async def test_save_writes_every_field_but_id_and_created_at(uow: Store) -> None:
    added = customer(external_id="C-1")
    await uow.customers.add(added)
    changed = replace(
        added,
        name="华南客户",
        external_id="C-2",
        credit_limit=Money.of("100.00", "CNY"),
        payment_terms_days=45,
        version=2,
        created_at=NOW + timedelta(days=1),
        updated_at=NOW + timedelta(hours=1),
    )
    await uow.customers.save(changed, expected_version=1)
    assert await uow.customers.get(added.id) == replace(changed, created_at=NOW)


async def test_save_with_a_stale_version_changes_nothing(uow: Store) -> None:
    added = customer()
    await uow.customers.add(added)
    async with fails(uow, StaleVersion):
        await uow.customers.save(replace(added, name="别人", version=3), expected_version=2)
    assert await uow.customers.get(added.id) == added


async def test_save_of_an_unknown_customer_is_stale(uow: Store) -> None:
    async with fails(uow, StaleVersion):
        await uow.customers.save(customer(), expected_version=1)


async def test_save_into_a_taken_external_id_is_a_duplicate(uow: Store) -> None:
    first, second = customer(external_id="C-1"), customer(external_id="C-2")
    await uow.customers.add(first)
    await uow.customers.add(second)
    async with fails(uow, DuplicateExternalId):
        await uow.customers.save(replace(second, external_id="C-1", version=2), 1)
    assert await uow.customers.get(second.id) == second

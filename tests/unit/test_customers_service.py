"""Customer use cases with fakes: validation, events, optimistic concurrency."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain.customers.customers import CreditRating
from app.domain.errors import DuplicateExternalId, NotFound, StaleVersion, ValidationFailed
from app.services.customers import customers
from app.services.unit_of_work import in_transaction
from tests.fakes import FakeUnitOfWork, FixedClock, context
from tests.use_cases import update_customer as update


async def test_create_emits_customer_created_with_the_document() -> None:
    uow, ctx = FakeUnitOfWork(), context()
    made = await in_transaction(
        uow,
        customers.create_customer,
        ctx,
        customers.NewCustomer(name="  深圳客户  ", currency="CNY", external_id="E1"),
    )
    assert made.name == "深圳客户"
    (event,) = uow.events
    assert event.type == "customer.created"
    assert event.subject == f"customers/{made.id}"
    assert event.data["object"]["name"] == "深圳客户"
    assert event.data["actor"] == {"api_key": "test-key", "user": None}


async def test_update_records_what_changed_and_bumps_the_version() -> None:
    uow, ctx = FakeUnitOfWork(), context()
    made = await in_transaction(
        uow, customers.create_customer, ctx, customers.NewCustomer("A", "CNY")
    )
    changed = await update(
        uow, ctx, made.id, {"credit_rating": CreditRating.C, "credit_limit": Decimal("10")}, 1
    )
    assert changed.version == 2
    assert changed.credit_limit is not None
    assert changed.credit_limit.to_wire() == "10.00"
    event = uow.events[-1]
    assert event.type == "customer.updated"
    assert event.data["changes"] == {
        "credit_rating": {"from": None, "to": "C"},
        "credit_limit": {"from": None, "to": "10.00"},
    }


async def test_an_update_that_changes_nothing_emits_nothing() -> None:
    uow, ctx = FakeUnitOfWork(), context()
    made = await in_transaction(
        uow, customers.create_customer, ctx, customers.NewCustomer("A", "CNY")
    )
    same = await update(uow, ctx, made.id, {"name": "A"})
    assert same.version == 1
    assert [e.type for e in uow.events] == ["customer.created"]


async def test_stale_version_is_refused_and_changes_nothing() -> None:
    uow, ctx = FakeUnitOfWork(), context()
    made = await in_transaction(
        uow, customers.create_customer, ctx, customers.NewCustomer("A", "CNY")
    )
    await update(uow, ctx, made.id, {"name": "B"}, 1)
    with pytest.raises(StaleVersion):
        await update(uow, ctx, made.id, {"name": "C"}, 1)
    assert (await customers.get_customer(uow, made.id)).name == "B"


async def test_invalid_input_is_refused_before_anything_is_written() -> None:
    uow, ctx = FakeUnitOfWork(), context()
    with pytest.raises(ValidationFailed):
        await in_transaction(uow, customers.create_customer, ctx, customers.NewCustomer(" ", "CNY"))
    with pytest.raises(ValidationFailed):
        await in_transaction(
            uow,
            customers.create_customer,
            ctx,
            customers.NewCustomer("A", "JPY", credit_limit=Decimal("1.5")),
        )
    assert uow.events == []


async def test_duplicate_external_ids_and_unknown_ids() -> None:
    uow, ctx = FakeUnitOfWork(), context()
    await in_transaction(
        uow, customers.create_customer, ctx, customers.NewCustomer("A", "CNY", "E1")
    )
    with pytest.raises(DuplicateExternalId):
        await in_transaction(
            uow, customers.create_customer, ctx, customers.NewCustomer("B", "CNY", "E1")
        )
    with pytest.raises(NotFound):
        await customers.get_customer(uow, ctx.ids.new_id())
    assert len(uow.events) == 1


async def test_changing_currency_keeps_the_credit_limit_in_the_new_currency() -> None:
    uow, ctx = FakeUnitOfWork(), context(FixedClock())
    made = await in_transaction(
        uow,
        customers.create_customer,
        ctx,
        customers.NewCustomer("A", "CNY", credit_limit=Decimal("100")),
    )
    moved = await update(uow, ctx, made.id, {"currency": "JPY"})
    assert moved.credit_limit is not None
    assert moved.credit_limit.currency == "JPY"
    with pytest.raises(ValidationFailed):
        await update(uow, ctx, made.id, {"currency": "CNY", "credit_limit": Decimal("1.001")})

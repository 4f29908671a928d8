"""The invoice queries that use cases which change things read (ledgers for plans and
invoices of installments, balances for customer views, exposure and amounts outstanding for
the risk rules): the fake answers them from its rows, and must answer as PostgreSQL does.
Lists are not faked; they are tested on PostgreSQL (tests/e2e)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from app.domain.customers.customers import Balance
from app.domain.money import Money
from app.domain.receivables.installments import Ledger
from app.domain.receivables.invoices import Invoice
from app.services.receivables.ports import CreditExposure
from tests.contract.conftest import Store, a_customer
from tests.contract.test_contracts import step
from tests.unit.builders import NOW, contract, invoice

TODAY = date(2026, 11, 27)  # the default invoice is due 2026-10-31: overdue


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


@dataclass
class Book:
    customer: UUID
    other: UUID
    contract: UUID
    installments: tuple[UUID, UUID, UUID]
    invoices: dict[str, Invoice]


async def a_book(uow: Store) -> Book:
    customer, other = await a_customer(uow, credit_limit="1000.00"), await a_customer(uow)
    bare = replace(contract(), customer_id=customer)
    plan = tuple(step(bare.id, f"第{n}期", "100.00", 2 + n, n) for n in range(3))
    await uow.contracts.add(replace(bare, amount=cny("300.00"), installments=plan))
    first, second, third = (i.id for i in plan)

    def of(installment: UUID | None = None, **fields: Any) -> Invoice:
        made = invoice(customer_id=customer, **fields)
        return replace(made, contract_id=bare.id, installment_id=installment)

    written_off = replace(
        of(second, amount="400.00", paid="100.00"),
        written_off_at=NOW,
        written_off_on=TODAY,
        write_off_reason="坏账",
    )
    invoices = {
        "overdue, part paid": of(first, amount="300.00", paid="100.00"),
        "void": of(first, amount="200.00", voided=True),
        "only void": of(third, amount="90.00", voided=True),
        "contract, no installment": of(amount="150.00"),
        "written off": written_off,
        "not yet due": replace(of(amount="80.00", due_date=date(2026, 12, 31)), contract_id=None),
        "dollars": replace(of(amount="50.00", currency="USD"), contract_id=None),
        "paid": replace(of(amount="60.00", paid="60.00"), contract_id=None),
        "other customer": invoice(customer_id=other, amount="200.00"),
    }
    for each in invoices.values():
        await uow.invoices.add(each)
    return Book(customer, other, bare.id, (first, second, third), invoices)


async def test_installment_ledgers_total_the_live_invoices_of_each(uow: Store) -> None:
    book = await a_book(uow)
    first, second, third = book.installments
    ledgers = await uow.invoice_queries.installment_ledgers([first, second, third, uuid4()], TODAY)
    assert ledgers == {
        first: Ledger(cny("300.00"), cny("100.00"), cny("0"), cny("200.00")),
        second: Ledger(cny("400.00"), cny("100.00"), cny("300.00"), cny("0")),
    }


async def test_contract_ledgers_count_overdue_only_without_installment(uow: Store) -> None:
    book = await a_book(uow)
    ledgers = await uow.invoice_queries.contract_ledgers([book.contract, uuid4()], TODAY)
    assert ledgers == {
        book.contract: Ledger(cny("850.00"), cny("200.00"), cny("300.00"), cny("150.00"))
    }


async def test_customer_balances_are_per_currency_in_alphabetical_order(uow: Store) -> None:
    book = await a_book(uow)
    assert await uow.invoice_queries.customer_balances(book.customer, TODAY) == [
        Balance("CNY", cny("430.00"), cny("350.00")),
        Balance("USD", Money.of("50.00", "USD"), Money.of("50.00", "USD")),
    ]
    assert await uow.invoice_queries.customer_balances(uuid4(), TODAY) == []


async def test_credit_exposure_is_the_limit_beside_the_open_outstanding(uow: Store) -> None:
    book = await a_book(uow)
    exposure = await uow.invoice_queries.credit_exposure(book.customer)
    assert exposure == CreditExposure(cny("1000.00"), cny("430.00"))
    assert await uow.invoice_queries.credit_exposure(book.other) == CreditExposure(
        None, cny("200.00")
    )
    assert await uow.invoice_queries.credit_exposure(uuid4()) is None


async def test_credit_exposures_are_those_of_customers_with_a_limit(uow: Store) -> None:
    book = await a_book(uow)
    exposures = await uow.invoice_queries.credit_exposures([book.customer, book.other, uuid4()])
    assert exposures == {book.customer: CreditExposure(cny("1000.00"), cny("430.00"))}


async def test_any_open_with_outstanding_matches_the_exact_amount(uow: Store) -> None:
    book = await a_book(uow)
    named = book.invoices["contract, no installment"].id
    queries = uow.invoice_queries
    assert await queries.any_open_with_outstanding(book.customer, cny("150.00"), [])
    assert not await queries.any_open_with_outstanding(book.customer, cny("150.00"), [named])
    assert await queries.any_open_with_outstanding(book.customer, Money.of("50", "USD"), [])
    assert not await queries.any_open_with_outstanding(book.customer, cny("50.00"), [])
    assert not await queries.any_open_with_outstanding(book.customer, cny("300.00"), [])
    assert not await queries.any_open_with_outstanding(book.other, cny("150.00"), [])

"""The allocation policy: order, conservation, bounds and determinism."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import CurrencyMismatch, IllegalStateTransition, ValidationFailed
from app.domain.money import Money
from app.domain.receivables.allocation import (
    OpenItem,
    Share,
    allocation_order,
    check_allocations,
    mention_position,
    plan_allocation,
)
from app.domain.receivables.invoices import Invoice
from tests.unit.builders import invoice

BASE = date(2026, 1, 1)


def item(
    n: int,
    outstanding: str,
    currency: str = "CNY",
    due: int = 0,
    number: str | None = None,
    disputed: bool = False,
) -> OpenItem:
    return OpenItem(
        invoice_id=UUID(int=n),
        number=number,
        due_date=BASE + timedelta(days=due),
        issued_on=BASE,
        outstanding=Money.of(outstanding, currency),
        disputed=disputed,
    )


def test_oldest_due_date_first() -> None:
    items = [item(1, "100", due=30), item(2, "100", due=10), item(3, "100", due=20)]
    shares = plan_allocation(Money.of("150", "CNY"), items)
    assert [(s.invoice_id.int, s.amount.to_wire()) for s in shares] == [
        (2, "100.00"),
        (3, "50.00"),
    ]


def test_invoice_numbers_in_the_reference_come_first_in_the_order_they_appear() -> None:
    items = [
        item(1, "100", due=1, number="INV-1"),
        item(2, "100", due=50, number="INV-10"),
        item(3, "100", due=40, number="INV-2"),
    ]
    ordered = allocation_order(items, reference="pays inv-2 and INV-10, thanks")
    assert [i.invoice_id.int for i in ordered] == [3, 2, 1]


def test_a_number_must_appear_as_a_whole_token() -> None:
    assert mention_position("INV-10", "INV-1") is None
    assert mention_position("付款INV-1号", "INV-1") == 2
    assert mention_position("xINV-1", "INV-1") is None


def test_pay_first_beats_the_reference_and_due_dates() -> None:
    items = [item(1, "100", due=1, number="A"), item(2, "100", due=9), item(3, "100", due=5)]
    ordered = allocation_order(items, reference="A", pay_first=[UUID(int=2)])
    assert [i.invoice_id.int for i in ordered] == [2, 1, 3]


def test_other_currencies_are_skipped() -> None:
    items = [item(1, "100", currency="USD", due=0), item(2, "100", due=5)]
    shares = plan_allocation(Money.of("500", "CNY"), items)
    assert [(s.invoice_id.int, s.amount.to_wire()) for s in shares] == [(2, "100.00")]


def test_disputed_invoices_are_skipped_unless_named() -> None:
    items = [item(1, "100", due=0, number="D-1", disputed=True), item(2, "100", due=5)]
    assert [s.invoice_id.int for s in plan_allocation(Money.of("500", "CNY"), items)] == [2]
    named = plan_allocation(Money.of("500", "CNY"), items, reference="D-1")
    assert [s.invoice_id.int for s in named] == [1, 2]


def test_jpy_has_no_decimals() -> None:
    shares = plan_allocation(
        Money.of("1500", "JPY"), [item(1, "1000", "JPY"), item(2, "999", "JPY")]
    )
    assert [s.amount.to_wire() for s in shares] == ["1000", "500"]


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)


@st.composite
def open_items(draw: st.DrawFn) -> list[OpenItem]:
    count = draw(st.integers(min_value=0, max_value=12))
    numbers = draw(
        st.lists(st.sampled_from(["A1", "B2", "C3", None]), min_size=count, max_size=count)
    )
    seen: set[str] = set()
    items = []
    for n in range(count):
        number = numbers[n] if numbers[n] not in seen else None
        if number:
            seen.add(number)
        items.append(
            OpenItem(
                invoice_id=UUID(int=draw(st.integers(1, 2**64)) << 16 | n),
                number=number,
                due_date=BASE + timedelta(days=draw(st.integers(0, 5))),
                issued_on=BASE,
                outstanding=Money.of(draw(amounts), draw(st.sampled_from(["CNY", "CNY", "USD"]))),
                disputed=draw(st.booleans()),
            )
        )
    return items


@given(
    available=amounts,
    items=open_items(),
    reference=st.sampled_from([None, "A1", "C3 B2", "none"]),
    seed=st.integers(0, 1000),
)
def test_allocation_conserves_money_and_respects_every_bound(
    available: Decimal, items: list[OpenItem], reference: str | None, seed: int
) -> None:
    money = Money.of(available, "CNY")
    shares = plan_allocation(money, items, reference)
    by_id = {i.invoice_id: i for i in items}
    total = Money.sum((s.amount for s in shares), "CNY")
    eligible = [
        i
        for i in items
        if i.outstanding.currency == "CNY"
        and (
            not i.disputed
            or (reference and i.number and mention_position(reference, i.number) is not None)
        )
    ]
    # Conservation: the payment covers as much as it can, never more than it has.
    assert total == money.min(Money.sum((i.outstanding for i in eligible), "CNY"))
    assert len({s.invoice_id for s in shares}) == len(shares)
    for share in shares:
        assert share.amount.is_positive()
        assert share.amount <= by_id[share.invoice_id].outstanding
    # Only the last share may leave its invoice partly unpaid.
    assert all(s.amount == by_id[s.invoice_id].outstanding for s in shares[:-1])
    # Determinism: the order of the input does not matter.
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)
    assert plan_allocation(money, shuffled, reference) == shares


def test_explicit_allocations_are_checked() -> None:
    customer = UUID(int=7)
    open_invoice = invoice(customer_id=customer, amount="100.00")
    usd = invoice(customer_id=customer, amount="100.00", currency="USD")
    other = invoice(customer_id=UUID(int=8), amount="100.00")
    void = invoice(customer_id=customer, amount="100.00", voided=True)
    invoices = {i.id: i for i in (open_invoice, usd, other, void)}
    cny = Money.of("500", "CNY")

    def share(target: Invoice, amount: str) -> list[Share]:
        return [Share(target.id, Money.of(amount, "CNY"))]

    ok = check_allocations(cny, customer, share(open_invoice, "60"), invoices)
    assert [s.amount.to_wire() for s in ok] == ["60.00"]
    with pytest.raises(ValidationFailed, match="more than"):
        check_allocations(cny, customer, share(open_invoice, "100.01"), invoices)
    with pytest.raises(CurrencyMismatch):
        check_allocations(cny, customer, share(usd, "1"), invoices)
    with pytest.raises(ValidationFailed, match="another customer"):
        check_allocations(cny, customer, share(other, "1"), invoices)
    with pytest.raises(IllegalStateTransition):
        check_allocations(cny, customer, share(void, "1"), invoices)
    with pytest.raises(ValidationFailed, match="exceed"):
        check_allocations(Money.of("50", "CNY"), customer, share(open_invoice, "60"), invoices)
    twice = share(open_invoice, "1") + share(open_invoice, "1")
    with pytest.raises(ValidationFailed, match="twice"):
        check_allocations(cny, customer, twice, invoices)

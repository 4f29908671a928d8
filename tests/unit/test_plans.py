"""Collection plans: percent split, exact sums, plan changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import count, pairwise
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import UnknownReference, ValidationFailed
from app.domain.money import MINOR_UNITS, Money
from app.domain.receivables.contracts import Contract
from app.domain.receivables.plans import PlannedInstallment, change_plan, new_plan, resolve_amounts
from tests.unit.builders import contract

DUE = date(2026, 3, 1)


def pct(*percents: str) -> list[PlannedInstallment]:
    return [PlannedInstallment(f"p{i}", DUE, percent=Decimal(p)) for i, p in enumerate(percents)]


def ids() -> Callable[[], UUID]:
    counter = count(1)
    return lambda: UUID(int=next(counter))


def test_percent_rounds_half_up_and_the_remainder_goes_to_the_last() -> None:
    amounts = resolve_amounts(Money.of("100.00", "CNY"), pct("33.335", "33.335", "33.33"))
    assert [a.to_wire() for a in amounts] == ["33.34", "33.34", "33.32"]


def test_jpy_percent_split_has_no_decimals() -> None:
    amounts = resolve_amounts(Money.of("1001", "JPY"), pct("30", "40", "30"))
    assert [a.to_wire() for a in amounts] == ["300", "400", "301"]


def test_mixed_amount_and_percent_keeps_typed_amounts() -> None:
    items = [
        PlannedInstallment("a", DUE, percent=Decimal("33.333")),
        PlannedInstallment("b", DUE, amount=Decimal("500.00")),
        PlannedInstallment("c", DUE, percent=Decimal("16.667")),
        PlannedInstallment("d", DUE, amount=Decimal("0.01")),
    ]
    amounts = resolve_amounts(Money.of("1000.02", "CNY"), items)
    assert [a.to_wire() for a in amounts] == ["333.34", "500.00", "166.67", "0.01"]
    with pytest.raises(ValidationFailed, match="add up"):
        resolve_amounts(Money.of("1000.00", "CNY"), items)


def test_a_plan_that_does_not_add_up_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="add up"):
        resolve_amounts(Money.of("100", "CNY"), pct("30", "30"))
    with pytest.raises(ValidationFailed, match="exactly one"):
        resolve_amounts(Money.of("100", "CNY"), [PlannedInstallment("x", DUE)])
    with pytest.raises(ValidationFailed, match="greater than zero"):
        resolve_amounts(Money.of("1", "JPY"), pct("50", "50"))


@st.composite
def percent_plans(draw: st.DrawFn) -> list[Decimal]:
    """Percentages with up to 3 decimals that add up to exactly 100."""
    parts = draw(st.integers(1, 12))
    cuts = sorted(draw(st.lists(st.integers(1, 99_999), min_size=parts - 1, max_size=parts - 1)))
    bounds = [0, *cuts, 100_000]
    shares = [Decimal(b - a) / 1000 for a, b in pairwise(bounds)]
    return [s for s in shares if s > 0] or [Decimal(100)]


@given(
    percents=percent_plans(),
    units=st.integers(1, 10**12),
    currency=st.sampled_from(["CNY", "JPY", "KWD", "USD"]),
)
def test_percent_split_always_adds_up_exactly(
    percents: list[Decimal], units: int, currency: str
) -> None:
    total = Money.of(Decimal(units).scaleb(-MINOR_UNITS[currency]), currency)
    items = pct(*(str(p) for p in percents))
    step = Decimal(1).scaleb(-MINOR_UNITS[currency])
    rounded = [(total.amount * p / 100).quantize(step, ROUND_HALF_UP) for p in percents[:-1]]
    if min([*rounded, total.amount - sum(rounded)]) <= 0:
        with pytest.raises(ValidationFailed, match="greater than zero"):
            resolve_amounts(total, items)
        return
    amounts = resolve_amounts(total, items)
    assert Money.sum(amounts, currency) == total
    for amount, percent in zip(amounts[:-1], percents[:-1], strict=True):
        assert abs(amount.amount - total.amount * percent / 100) <= step / 2
    assert all(a.is_positive() and a.amount == a.amount.quantize(step) for a in amounts)


def test_new_plan_needs_unique_names() -> None:
    items = [PlannedInstallment("a", DUE, percent=Decimal(50))] * 2
    with pytest.raises(ValidationFailed, match="unique"):
        new_plan(UUID(int=1), Money.of("100", "CNY"), items, ids())


def _contract_with_plan() -> Contract:
    base = contract(amount="1000.00")
    plan = new_plan(base.id, base.amount, pct("30", "70"), ids())
    return replace(base, installments=plan)


def test_change_plan_resplits_adds_and_removes() -> None:
    signed = _contract_with_plan()
    first, second = signed.installments
    items = [
        PlannedInstallment("p0", DUE, amount=Decimal("300.00")),
        PlannedInstallment("p1b", date(2026, 4, 1), amount=Decimal("400.00"), id=second.id),
        PlannedInstallment("new", date(2026, 5, 1), amount=Decimal("300.00")),
    ]
    change = change_plan(
        signed.id,
        signed.amount,
        signed.installments,
        items,
        {first.id: Money.of("300", "CNY")},
        ids(),
    )
    assert [i.id for i in change.installments[:2]] == [first.id, second.id]
    assert [a.name for a in change.added] == ["new"]
    assert [(b.name, a.name) for b, a in change.changed] == [("p1", "p1b")]
    assert change.removed == ()


def test_change_plan_refuses_any_change_to_an_invoiced_installment() -> None:
    signed = _contract_with_plan()
    first, second = signed.installments
    invoiced = {first.id: Money.of("300", "CNY"), second.id: Money.of("100", "CNY")}

    def refused(items: list[PlannedInstallment]) -> ValidationFailed:
        with pytest.raises(ValidationFailed, match="invoiced") as caught:
            change_plan(signed.id, signed.amount, signed.installments, items, invoiced, ids())
        return caught.value

    lower = [
        PlannedInstallment("p0", DUE, amount=Decimal("299.99")),
        PlannedInstallment("p1", DUE, amount=Decimal("700.01")),
    ]
    assert refused(lower).loc == ("installments", 0, "amount")
    higher = [
        PlannedInstallment("p0", DUE, amount=Decimal("300.01")),
        PlannedInstallment("p1", DUE, amount=Decimal("699.99")),
    ]
    assert refused(higher).loc == ("installments", 0, "amount")
    later = [
        PlannedInstallment("p0", date(2026, 3, 2), amount=first.amount.amount),
        PlannedInstallment("p1", DUE, amount=second.amount.amount, id=second.id),
    ]
    assert refused(later).loc == ("installments", 0, "due_date")
    renamed = [
        PlannedInstallment("p0-new", DUE, amount=first.amount.amount, id=first.id),
        PlannedInstallment("p1", DUE, amount=second.amount.amount),
    ]
    assert refused(renamed).loc == ("installments", 0, "name")
    without_second = [
        PlannedInstallment("p0", DUE, amount=Decimal("300.00")),
        PlannedInstallment("other", DUE, amount=Decimal("700.00")),
    ]
    assert "cannot be removed" in str(refused(without_second))
    assert refused(without_second).loc == ("installments",)
    unknown = [PlannedInstallment("p0", DUE, amount=Decimal("1000.00"), id=UUID(int=99))]
    with pytest.raises(UnknownReference):
        change_plan(signed.id, signed.amount, signed.installments, unknown, invoiced, ids())


def test_change_plan_may_reorder_invoiced_installments_unchanged() -> None:
    signed = _contract_with_plan()
    first, second = signed.installments
    invoiced = {first.id: Money.of("300", "CNY")}
    swapped = [
        PlannedInstallment("p1", DUE, amount=second.amount.amount),
        PlannedInstallment("p0", DUE, amount=first.amount.amount),
    ]
    change = change_plan(signed.id, signed.amount, signed.installments, swapped, invoiced, ids())
    assert change.reordered
    assert change.changed == ()
    assert change.removed == ()


def test_due_dates_before_signing_are_refused() -> None:
    signed = _contract_with_plan()
    with pytest.raises(ValidationFailed, match="before the contract was signed"):
        replace(signed, signed_on=date(2026, 6, 1))

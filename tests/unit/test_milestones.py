"""Project payment nodes: due-date arithmetic, milestone plans, reach and unreach, the
unbilled rule."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.domain.money import Money
from app.domain.receivables.contracts import Contract
from app.domain.receivables.installments import (
    InstallmentStatus,
    Ledger,
    installment_figures,
    unbilled_amount,
)
from app.domain.receivables.milestones import (
    InstallmentKind,
    Milestone,
    MilestoneTerm,
    add_months,
    planned_due,
)
from app.domain.receivables.payment_nodes import reach, unreach
from app.domain.receivables.plans import PlannedInstallment, change_plan, new_plan
from tests.unit.builders import NOW, installment

DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2190, 12, 31))
MONTHS = st.integers(min_value=0, max_value=120)


def ids() -> Callable[[], UUID]:
    counter = count(1)
    return lambda: UUID(int=next(counter))


@given(DAYS, MONTHS)
def test_month_offsets_land_in_the_right_month_and_clamp_to_its_end(day: date, months: int) -> None:
    due = add_months(day, months)
    assert (due.year * 12 + due.month) - (day.year * 12 + day.month) == months
    last = calendar.monthrange(due.year, due.month)[1]
    assert due.day == min(day.day, last)


@given(DAYS, MONTHS, MONTHS)
def test_month_offsets_never_go_backwards(day: date, a: int, b: int) -> None:
    assert (add_months(day, a) <= add_months(day, b)) == (a <= b) or add_months(
        day, a
    ) == add_months(day, b)


@given(DAYS, st.integers(min_value=0, max_value=3660))
def test_day_offsets_are_plain_days(day: date, days: int) -> None:
    assert MilestoneTerm("m", offset_days=days).due_on(day) == day + timedelta(days=days)


@pytest.mark.parametrize(
    ("day", "months", "due"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 2, 28), 24, date(2028, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 8, 31), 24, date(2028, 8, 31)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 5, 31), 0, date(2026, 5, 31)),
    ],
)
def test_month_end_clamping(day: date, months: int, due: date) -> None:
    assert MilestoneTerm("m", offset_months=months).due_on(day) == due


def test_no_offset_is_due_on_the_day_reached() -> None:
    assert MilestoneTerm("m").due_on(date(2026, 3, 1)) == date(2026, 3, 1)


COMPLETION = Milestone("completion", "竣工验收", planned_on=date(2026, 9, 30))


def _plan(*items: PlannedInstallment, milestones: tuple[Milestone, ...] = (COMPLETION,)) -> None:
    new_plan(UUID(int=1), Money.of("100.00", "CNY"), items, ids(), milestones)


def _item(term: MilestoneTerm | None, due: date | None = None) -> PlannedInstallment:
    return PlannedInstallment("x", due, amount=Decimal("100.00"), term=term)


def test_bad_milestone_terms_are_422_naming_the_field() -> None:
    cases = [
        (_item(MilestoneTerm("nope")), "milestone"),
        (_item(MilestoneTerm("completion", offset_days=1, offset_months=1)), "offset_days"),
        (_item(MilestoneTerm("completion", offset_days=-1)), "offset_days"),
        (_item(MilestoneTerm("completion", offset_months=-2)), "offset_months"),
        (_item(MilestoneTerm("completion"), date(2026, 3, 1)), "due_date"),
        (_item(None), "due_date"),
    ]
    for item, field in cases:
        with pytest.raises(ValidationFailed) as raised:
            _plan(item)
        assert raised.value.loc == ("installments", 0, field), item


def construction() -> Contract:
    """Advance on a date, acceptance 30 days after completion, 5 % retention 24 months."""
    contract_id = UUID(int=99)
    total = Money.of("1000000.00", "CNY")
    items = [
        PlannedInstallment(
            "预付款", date(2026, 2, 1), percent=Decimal(30), kind=InstallmentKind.ADVANCE
        ),
        PlannedInstallment(
            "验收款",
            None,
            percent=Decimal(65),
            kind=InstallmentKind.ACCEPTANCE,
            term=MilestoneTerm("completion", offset_days=30),
        ),
        PlannedInstallment(
            "质保金",
            None,
            percent=Decimal(5),
            kind=InstallmentKind.RETENTION,
            term=MilestoneTerm("completion", offset_months=24),
        ),
    ]
    plan = new_plan(contract_id, total, items, ids(), (COMPLETION,))
    return Contract(
        id=contract_id,
        customer_id=UUID(int=7),
        name="厂房施工",
        amount=total,
        owner="u-pm",
        signed_on=date(2026, 1, 10),
        created_at=NOW,
        updated_at=NOW,
        installments=plan,
        milestones=(COMPLETION,),
    )


def test_awaiting_installments_have_no_due_date_and_are_never_overdue() -> None:
    k = construction()
    retention = k.installments[2]
    assert retention.due_date is None
    assert retention.awaiting_milestone
    figures = installment_figures(retention, None, date(2099, 1, 1))
    assert figures.status is InstallmentStatus.AWAITING_MILESTONE
    assert (figures.overdue, figures.days_overdue) == (False, 0)
    assert retention.term is not None
    assert planned_due(retention.term, COMPLETION) == date(2028, 9, 30)


def test_reaching_sets_every_dependent_due_date_and_twice_is_409() -> None:
    k = construction()
    change = reach(k, "completion", date(2026, 8, 31))
    assert [(b.due_date, a.due_date) for b, a in change.installments] == [
        (None, date(2026, 9, 30)),
        (None, date(2028, 8, 31)),
    ]
    assert change.contract.milestone("completion") == Milestone(
        "completion", "竣工验收", date(2026, 9, 30), date(2026, 8, 31)
    )
    assert change.contract.installments[0] == k.installments[0]
    with pytest.raises(Conflict):
        reach(change.contract, "completion", date(2026, 9, 1))
    with pytest.raises(NotFound):
        reach(k, "handover", date(2026, 9, 1))


def test_unreach_refuses_while_an_invoice_hangs_on_an_installment() -> None:
    k = reach(construction(), "completion", date(2026, 8, 31)).contract
    acceptance = k.installments[1]
    cny = Money.of("1.00", "CNY")
    zero = Money.zero("CNY")
    with pytest.raises(Conflict):
        unreach(k, "completion", {acceptance.id: Ledger(cny, zero, zero, zero)})
    back = unreach(k, "completion", {acceptance.id: Ledger(zero, zero, zero, zero)})
    assert [a.due_date for _, a in back.installments] == [None, None]
    assert back.contract.milestone("completion") == COMPLETION
    with pytest.raises(Conflict):
        unreach(construction(), "completion", {})


def test_a_replan_keeps_the_basis_of_an_invoiced_installment() -> None:
    k = construction()
    acceptance = k.installments[1]
    items = [
        PlannedInstallment(i.name, i.due_date, amount=i.amount.amount, kind=i.kind, term=i.term)
        for i in k.installments
    ]
    items[1] = PlannedInstallment(
        acceptance.name, date(2026, 12, 1), amount=acceptance.amount.amount
    )
    invoiced = {acceptance.id: Money.of("10.00", "CNY")}
    with pytest.raises(ValidationFailed):
        change_plan(k.id, k.amount, k.installments, items, invoiced, ids(), k.milestones)
    change = change_plan(k.id, k.amount, k.installments, items, {}, ids(), k.milestones)
    assert [(b.term is not None, a.due_date) for b, a in change.changed] == [
        (True, date(2026, 12, 1))
    ]


@given(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=400))
def test_unbilled_is_what_is_not_invoiced_after_the_grace_days(after: int, elapsed: int) -> None:
    item = installment("100.00", due_date=date(2026, 10, 1))
    today = date(2026, 10, 1) + timedelta(days=elapsed)
    zero = Money.zero("CNY")
    part = Ledger(Money.of("40.00", "CNY"), zero, zero, zero)
    unbilled = unbilled_amount(item, part, today, after)
    assert unbilled == (Money.of("60.00", "CNY") if elapsed >= after else zero)
    full = Ledger(Money.of("100.00", "CNY"), zero, zero, zero)
    assert unbilled_amount(item, full, today, after) == zero


def test_an_installment_awaiting_its_milestone_is_never_unbilled() -> None:
    retention = construction().installments[2]
    assert unbilled_amount(retention, None, date(2099, 1, 1), 0).is_zero()

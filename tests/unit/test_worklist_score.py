"""The worklist's score: reasons that add up to it exactly, monotone in every factor,
never for an excluded item; the next action; item ids."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.collection.dunning import DEFAULT_LEVELS, DunningLevel, DunningPolicy
from app.domain.collection.risk import Severity
from app.domain.collection.worklist import (
    ExcludedItem,
    Factor,
    Factors,
    ItemId,
    ItemKind,
    NextAction,
    dunning_action,
    next_action,
    score,
)
from app.domain.collection.worklist_weights import Weights
from app.domain.money import Money

DEFAULT = Weights()
CURRENCIES = ("CNY", "USD", "JPY", "EUR", "KWD", "CHF")


def money(currency: str) -> st.SearchStrategy[Money]:
    places = {"JPY": 0, "KWD": 3}.get(currency, 2)
    cents = st.integers(min_value=0, max_value=10**15)
    return cents.map(lambda n: Money.of(Decimal(n).scaleb(-places), currency))


severities = st.one_of(st.none(), st.sampled_from(list(Severity)))

factors_strategy = st.sampled_from(CURRENCIES).flatmap(
    lambda currency: st.builds(
        Factors,
        amount_overdue=money(currency),
        days_overdue=st.integers(min_value=0, max_value=5000),
        dunning_level=st.integers(min_value=0, max_value=20),
        broken_promises=st.integers(min_value=0, max_value=50),
        risk_severity=severities,
        promise_due_today=st.booleans(),
    )
)

points = st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False)
caps = st.one_of(st.none(), points)


@st.composite
def weights_strategy(draw: st.DrawFn) -> Weights:
    risk = sorted(draw(st.lists(points, min_size=4, max_size=4)))
    units = {c: draw(st.decimals(min_value=1, max_value=10**9, places=0)) for c in CURRENCIES}
    return Weights(
        amount_overdue=draw(points),
        amount_units={**units, "*": Decimal(10_000)},
        amount_overdue_max_points=draw(caps),
        days_overdue=draw(points),
        days_overdue_max_points=draw(caps),
        dunning_level=draw(points),
        broken_promises=draw(points),
        risk_severity=dict(zip(Severity, risk, strict=True)),
        promise_due_today=draw(points),
    )


@given(factors_strategy, weights_strategy())
def test_the_reasons_add_up_to_the_score_exactly(factors: Factors, weights: Weights) -> None:
    scored = score(factors, weights)
    assert scored.score == sum((r.points for r in scored.reasons), Decimal(0))
    assert scored.score >= 0
    for reason in scored.reasons:
        assert reason.points == reason.points.quantize(Decimal("0.01"))
    assert len({r.factor for r in scored.reasons}) == len(scored.reasons)


@given(factors_strategy, weights_strategy(), st.data())
def test_the_score_never_falls_when_a_factor_grows(
    factors: Factors, weights: Weights, data: st.DataObject
) -> None:
    more = st.integers(min_value=1, max_value=1000)
    bigger = Money(factors.amount_overdue.amount + data.draw(more), factors.amount_overdue.currency)
    worse = (
        Severity.CRITICAL
        if factors.risk_severity is None
        else Severity(min(4, factors.risk_severity + 1))
    )
    grown = [
        replace(factors, amount_overdue=bigger),
        replace(factors, days_overdue=factors.days_overdue + data.draw(more)),
        replace(factors, dunning_level=factors.dunning_level + data.draw(more)),
        replace(factors, broken_promises=factors.broken_promises + data.draw(more)),
        replace(factors, risk_severity=worse),
        replace(factors, promise_due_today=True),
    ]
    base = score(factors, weights).score
    for other in grown:
        assert score(other, weights).score >= base, other


@given(factors_strategy, st.booleans())
def test_excluded_items_are_never_scored(factors: Factors, disputed: bool) -> None:
    held = replace(factors, disputed=disputed, on_hold=not disputed)
    assert held.excluded
    with pytest.raises(ExcludedItem):
        score(held, DEFAULT)


def test_the_default_weights_on_an_example() -> None:
    factors = Factors(
        amount_overdue=Money.of("123456.78", "CNY"),
        days_overdue=45,
        dunning_level=2,
        broken_promises=1,
        risk_severity=Severity.MEDIUM,
        promise_due_today=True,
    )
    scored = score(factors, DEFAULT)
    assert [(r.factor, r.value, str(r.points)) for r in scored.reasons] == [
        (Factor.AMOUNT_OVERDUE, "123456.78", "12.35"),
        (Factor.DAYS_OVERDUE, 45, "22.50"),
        (Factor.DUNNING_LEVEL, 2, "20.00"),
        (Factor.BROKEN_PROMISES, 1, "15.00"),
        (Factor.RISK_SEVERITY, "medium", "10.00"),
        (Factor.PROMISE_DUE_TODAY, True, "20.00"),
    ]
    assert str(scored.score) == "99.85"


def test_caps_bound_amount_and_days_and_currencies_have_their_own_unit() -> None:
    huge = Factors(amount_overdue=Money.of("90000000.00", "CNY"), days_overdue=400)
    assert [str(r.points) for r in score(huge, DEFAULT).reasons] == ["50.00", "60.00"]
    # JPY 200,000 weighs what CNY 10,000 does; a currency without a unit uses "*".
    yen = score(Factors(amount_overdue=Money.of("200000", "JPY")), DEFAULT)
    yuan = score(Factors(amount_overdue=Money.of("10000.00", "CNY")), DEFAULT)
    franc = score(Factors(amount_overdue=Money.of("10000.00", "CHF")), DEFAULT)
    assert yen.score == yuan.score == franc.score == Decimal("1.00")
    uncapped = Weights(amount_overdue_max_points=None, days_overdue_max_points=None)
    assert str(score(huge, uncapped).score) == "9200.00"


def test_nothing_to_score_is_zero_without_reasons() -> None:
    scored = score(Factors(amount_overdue=Money.zero("CNY")), DEFAULT)
    assert (scored.score, scored.reasons) == (Decimal("0.00"), ())


def test_points_round_half_up_to_the_cent() -> None:
    weights = Weights(days_overdue=Decimal("0.125"))
    assert str(score(Factors(Money.zero("CNY"), days_overdue=1), weights).score) == "0.13"
    amount = Factors(Money.of("0.50", "CNY"))  # 0.5 / 10,000 = 0.00005: below half a cent
    assert score(amount, DEFAULT).reasons[0].points == Decimal("0.00")


def f(**values: object) -> Factors:
    return Factors(amount_overdue=Money.of("100.00", "CNY"), **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "factors", "dunning", "expected"),
    [
        (
            ItemKind.INVOICE,
            f(promise_due_today=True, risk_severity=Severity.CRITICAL),
            "legal",
            NextAction.CONFIRM_PROMISE,
        ),
        (
            ItemKind.INSTALLMENT,
            f(days_overdue=40, risk_severity=Severity.CRITICAL),
            None,
            NextAction.ISSUE_INVOICE,
        ),
        (ItemKind.INVOICE, f(days_overdue=70), "legal", NextAction.LEGAL_REVIEW),
        (ItemKind.INVOICE, f(risk_severity=Severity.CRITICAL), None, NextAction.LEGAL_REVIEW),
        (ItemKind.INVOICE, f(days_overdue=20), "escalate", NextAction.ESCALATE),
        (ItemKind.INVOICE, f(days_overdue=35), "final_notice", NextAction.ESCALATE),
        (ItemKind.INVOICE, f(risk_severity=Severity.HIGH), "reminder", NextAction.ESCALATE),
        (ItemKind.INVOICE, f(broken_promises=2), "reminder", NextAction.ESCALATE),
        (ItemKind.CUSTOMER, f(risk_severity=Severity.HIGH), None, NextAction.ESCALATE),
        (ItemKind.CUSTOMER, f(risk_severity=Severity.LOW), None, NextAction.CALL),
        (ItemKind.INVOICE, f(broken_promises=1, days_overdue=3), "reminder", NextAction.CALL),
        (ItemKind.INVOICE, f(risk_severity=Severity.MEDIUM), None, NextAction.CALL),
        (ItemKind.INVOICE, f(days_overdue=3), "reminder", NextAction.SEND_REMINDER),
        (ItemKind.INVOICE, f(days_overdue=1), None, NextAction.SEND_REMINDER),
        (ItemKind.INVOICE, f(days_overdue=9), "sms", NextAction.CALL),
        (ItemKind.INVOICE, f(risk_severity=Severity.LOW), None, NextAction.CALL),
    ],
)
def test_next_action_rules(
    kind: ItemKind, factors: Factors, dunning: str | None, expected: NextAction
) -> None:
    assert next_action(kind, factors, dunning) is expected


def test_the_dunning_action_is_the_policys_for_the_level_reached() -> None:
    policy = DunningPolicy(DEFAULT_LEVELS)
    assert [dunning_action(policy, level) for level in range(6)] == [
        None,
        "reminder",
        "escalate",
        "final_notice",
        "legal",
        "legal",
    ]
    # A level the current policy no longer has reads as the highest one below it.
    sparse = DunningPolicy((DunningLevel(1, 5, "reminder"), DunningLevel(3, 40, "legal")))
    assert dunning_action(sparse, 2) == "reminder"


@given(st.sampled_from(list(ItemKind)), st.uuids())
def test_item_ids_round_trip(kind: ItemKind, subject: uuid.UUID) -> None:
    item = ItemId(kind, subject)
    assert ItemId.parse(str(item)) == item
    assert str(item) == f"{kind.value}:{subject}"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "invoice",
        "invoice:",
        "invoice:nope",
        "task:0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee",
        "INVOICE:0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee",
        "invoice:{0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeee}",
        "invoice:0190aaaabbbb7ccc8dddeeeeeeeeeeee",
    ],
)
def test_other_ids_are_not_items(text: str) -> None:
    assert ItemId.parse(text) is None

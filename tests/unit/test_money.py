"""Money: exact decimals in a currency's minor units, never floats."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import CurrencyMismatch, InvalidMoney
from app.domain.money import MINOR_UNITS, Money, minor_units, parse_amount


def test_wire_format_keeps_the_currencys_minor_units() -> None:
    assert Money.of("1234.5", "CNY").to_wire() == "1234.50"
    assert Money.of(1200, "JPY").to_wire() == "1200"
    assert Money.of("1.5", "KWD").to_wire() == "1.500"


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1.005", "CNY"), ("1.5", "JPY"), ("0.0001", "KWD")],
)
def test_more_decimals_than_the_currency_allows_is_refused(amount: str, currency: str) -> None:
    with pytest.raises(InvalidMoney, match="decimal places"):
        Money.of(amount, currency)


def test_trailing_zeros_beyond_the_minor_unit_are_fine() -> None:
    assert Money.of("10.000", "CNY").to_wire() == "10.00"


@pytest.mark.parametrize(
    "value", ["NaN", "Infinity", "1e309", "1,000.00", "", " ", "abc", "1.2.3", 1.5, True]
)
def test_unreadable_amounts_are_refused(value: object) -> None:
    with pytest.raises(InvalidMoney):
        parse_amount(value)  # type: ignore[arg-type]


def test_negative_zero_is_zero() -> None:
    assert Money.of("-0", "CNY") == Money.of("0", "CNY")
    assert str(Money.of("-0", "CNY").amount) == "0.00"


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(InvalidMoney, match="unknown currency"):
        minor_units("XYZ")


def test_currencies_do_not_mix() -> None:
    with pytest.raises(CurrencyMismatch):
        Money.of(1, "CNY") + Money.of(1, "USD")
    with pytest.raises(CurrencyMismatch):
        _ = Money.of(1, "CNY") < Money.of(1, "USD")


def test_split_gives_the_rounding_remainder_to_the_last_part() -> None:
    parts = Money.of("100.00", "CNY").split([Decimal(30), Decimal(40), Decimal(30)])
    assert [p.to_wire() for p in parts] == ["30.00", "40.00", "30.00"]
    thirds = Money.of("100.00", "CNY").split([Decimal(1)] * 3)
    assert [p.to_wire() for p in thirds] == ["33.33", "33.33", "33.34"]


currencies = st.sampled_from(sorted(MINOR_UNITS))


@given(
    cents=st.integers(min_value=0, max_value=10**14),
    weights=st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=12),
    currency=currencies,
)
def test_split_conserves_the_total_exactly(cents: int, weights: list[int], currency: str) -> None:
    total = Money(Decimal(cents).scaleb(-MINOR_UNITS[currency]), currency)
    parts = total.split([Decimal(w) for w in weights])
    assert Money.sum(parts, currency) == total
    assert all(not p.is_negative() for p in parts)
    assert all(p.amount == Money.of(p.amount, currency).amount for p in parts)


@given(
    units=st.integers(min_value=-(10**15), max_value=10**15),
    currency=currencies,
)
def test_wire_format_round_trips(units: int, currency: str) -> None:
    money = Money(Decimal(units).scaleb(-MINOR_UNITS[currency]), currency)
    assert Money.of(money.to_wire(), currency) == money

"""Money: a Decimal amount in an ISO 4217 currency, never a float.

An amount may carry no more decimals than its currency's minor unit (2 for CNY, 0 for JPY,
3 for KWD). On the wire it is a string with exactly that many decimals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from app.domain.errors import CurrencyMismatch, InvalidMoney

_TWO_DECIMALS = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD
CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD
MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP
PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SYP SZL THB TJS TMT
TOP TRY TTD TWD TZS UAH USD UZS VES WST XCD YER ZAR ZMW ZWG
"""
_NO_DECIMALS = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE_DECIMALS = "BHD IQD JOD KWD LYD OMR TND"

# Active ISO 4217 codes and their minor units (ISO 4217 list one, 2024 edition).
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(_TWO_DECIMALS.split(), 2),
    **dict.fromkeys(_NO_DECIMALS.split(), 0),
    **dict.fromkeys(_THREE_DECIMALS.split(), 3),
    "CLF": 4,
    "UYW": 4,
}

MAX_DIGITS = 16  # integer digits; the database column is numeric(20, 4)


def minor_units(currency: str) -> int:
    """Decimals allowed in ``currency``; raises InvalidMoney for an unknown code."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise InvalidMoney(f"unknown currency {currency!r}", loc=("currency",)) from None


def parse_amount(value: Decimal | int | str) -> Decimal:
    """Read an amount given as a string, int or Decimal; floats are refused."""
    if isinstance(value, (bool, float)):
        raise InvalidMoney("amounts are decimal strings, not floats")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text or any(c not in "0123456789.-+" for c in text):
            raise InvalidMoney(f"{value!r} is not a decimal amount")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise InvalidMoney(f"{value!r} is not a decimal amount") from None
    else:
        raise InvalidMoney(f"{value!r} is not a decimal amount")
    if not amount.is_finite():
        raise InvalidMoney("amounts must be finite")
    if amount.adjusted() >= MAX_DIGITS:
        raise InvalidMoney(f"amount {value} is too large")
    return amount + Decimal(0)  # normalises -0 to 0


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency. Construct with :meth:`of` to validate."""

    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        places = minor_units(currency)
        value = parse_amount(amount)
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)  # finite, checked by parse_amount
        if -exponent > places and value != value.quantize(Decimal(1).scaleb(-places)):
            raise InvalidMoney(
                f"{currency} allows {places} decimal places, {amount} has more",
                loc=("amount",),
            )
        return cls(value.quantize(Decimal(1).scaleb(-places)), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        zero = _ZEROS.get(currency)
        if zero is None:
            zero = _ZEROS[currency] = cls.of(0, currency)
        return zero

    @classmethod
    def sum(cls, items: Iterable[Money], currency: str) -> Money:
        total = cls.zero(currency)
        for item in items:
            total = total + item
        return total

    @property
    def places(self) -> int:
        return MINOR_UNITS[self.currency]

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def min(self, other: Money) -> Money:
        return self if self <= other else other

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_positive(self) -> bool:
        return self.amount > 0

    def is_negative(self) -> bool:
        return self.amount < 0

    def times(self, factor: Decimal) -> Money:
        """Multiply and round down to the minor unit (the remainder stays with the caller)."""
        step = Decimal(1).scaleb(-self.places)
        return Money((self.amount * factor).quantize(step, rounding=ROUND_DOWN), self.currency)

    def split(self, weights: Sequence[Decimal]) -> list[Money]:
        """Split by weights, rounding each part down; the remainder goes to the last part."""
        if not weights:
            return []
        total = sum(weights, Decimal(0))
        if total <= 0:
            raise InvalidMoney("split weights must add up to more than zero")
        parts = [self.times(w / total) for w in weights[:-1]]
        parts.append(self - Money.sum(parts, self.currency))
        return parts

    def to_wire(self) -> str:
        return f"{self.amount:.{self.places}f}"

    def __str__(self) -> str:
        return f"{self.to_wire()} {self.currency}"


_ZEROS: dict[str, Money] = {}  # Money is immutable: one zero per currency will do


def require_positive(money: Money, what: str = "amount") -> Money:
    if not money.is_positive():
        raise InvalidMoney(f"{what} must be greater than zero", loc=(what,))
    return money


def require_non_negative(money: Money, what: str = "amount") -> Money:
    if money.is_negative():
        raise InvalidMoney(f"{what} must not be negative", loc=(what,))
    return money

"""Reading the fields of one inbound JSON object, collecting every problem at once.

ERP and CRM systems send whole batches; telling them every bad field of an event in one
answer saves a round of fixes. Values arrive as parsed JSON (numbers as ``Decimal``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from decimal import Decimal

from app.domain.dates import OUT_OF_RANGE, in_range
from app.domain.errors import DomainError, InvalidEvent, Loc
from app.domain.money import MINOR_UNITS, Money, parse_amount


class Issues:
    """Problems found so far; :meth:`raise_if_any` turns them into an InvalidEvent."""

    def __init__(self) -> None:
        self.items: list[tuple[Loc, str]] = []

    def add(self, loc: Loc, msg: str) -> None:
        self.items.append((loc, msg))

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidEvent(self.items)


class Fields:
    """Typed access to one JSON object; unknown fields are reported, not ignored."""

    def __init__(
        self, raw: object, loc: Loc, issues: Issues, allowed: Collection[str] | None
    ) -> None:
        self.loc = loc
        self.issues = issues
        if not isinstance(raw, Mapping):
            issues.add(loc, "must be a JSON object")
            raw = {}
        self.raw: Mapping[str, object] = raw
        if allowed is not None:
            for name in raw:
                if name not in allowed:
                    issues.add((*loc, str(name)), "unknown field")

    def given(self, name: str) -> bool:
        return name in self.raw

    def _missing(self, name: str, required: bool) -> bool:
        if self.raw.get(name) is None:
            if required:
                self.issues.add((*self.loc, name), "is required")
            return True
        return False

    def text(self, name: str, *, required: bool = True, max_length: int = 200) -> str | None:
        if self._missing(name, required):
            return None
        value = self.raw[name]
        if not isinstance(value, str):
            self.issues.add((*self.loc, name), "must be a string")
            return None
        value = value.strip()
        if not value or len(value) > max_length or not value.isprintable():
            self.issues.add((*self.loc, name), f"must be 1..{max_length} printable characters")
            return None
        return value

    def amount(self, name: str, *, required: bool = True) -> Decimal | None:
        if self._missing(name, required):
            return None
        try:
            value = parse_amount(self.raw[name])  # type: ignore[arg-type]
        except DomainError as error:
            self.issues.add((*self.loc, name), error.detail)
            return None
        return value

    def positive_money(self, name: str, currency: str | None) -> Decimal | None:
        """An amount greater than zero with no more decimals than ``currency`` allows."""
        value = self.amount(name)
        if value is None or currency is None:
            return value
        try:
            money = Money.of(value, currency)
        except DomainError as error:
            self.issues.add((*self.loc, name), error.detail)
            return None
        if not money.is_positive():
            self.issues.add((*self.loc, name), "must be greater than zero")
            return None
        return value

    def currency(self, name: str = "currency", *, required: bool = True) -> str | None:
        if self._missing(name, required):
            return None
        value = self.raw[name]
        if isinstance(value, str) and value.strip().upper() in MINOR_UNITS:
            return value.strip().upper()
        self.issues.add((*self.loc, name), "must be an ISO 4217 code such as CNY, USD or JPY")
        return None

    def day(self, name: str, *, required: bool = True) -> date | None:
        if self._missing(name, required):
            return None
        value = self.raw[name]
        if isinstance(value, str) and len(value) == 10:
            try:
                day = date.fromisoformat(value)
            except ValueError:
                pass
            else:
                if in_range(day):
                    return day
                self.issues.add((*self.loc, name), OUT_OF_RANGE)
                return None
        self.issues.add((*self.loc, name), "must be a calendar date YYYY-MM-DD")
        return None

    def moment(self, name: str) -> datetime | None:
        """An RFC 3339 timestamp with its offset (``2026-11-27T08:00:00Z``)."""
        if self._missing(name, True):
            return None
        value = self.raw[name]
        parsed = None
        if isinstance(value, str) and "T" in value.upper():
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                parsed = None
        if parsed is None or parsed.tzinfo is None:
            self.issues.add((*self.loc, name), "must be an RFC 3339 timestamp with an offset")
            return None
        if not in_range(parsed):
            self.issues.add((*self.loc, name), OUT_OF_RANGE)
            return None
        return parsed

    def integer(self, name: str, low: int, high: int) -> int | None:
        if self._missing(name, False):
            return None
        value = self.raw[name]
        if isinstance(value, Decimal) and value == value.to_integral_value():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.issues.add((*self.loc, name), f"must be a whole number within {low}..{high}")
            return None
        return value

    def decimal(self, name: str) -> Decimal | None:
        """A plain decimal (a percentage, a rate): a string or an exact JSON number."""
        if self._missing(name, False):
            return None
        try:
            return parse_amount(self.raw[name])  # type: ignore[arg-type]
        except DomainError as error:
            self.issues.add((*self.loc, name), error.detail)
            return None

    def text_list(self, name: str, *, max_items: int, max_length: int = 100) -> tuple[str, ...]:
        if self._missing(name, False):
            return ()
        value = self.raw[name]
        if not isinstance(value, list) or len(value) > max_items:
            self.issues.add((*self.loc, name), f"must be a list of at most {max_items} strings")
            return ()
        items: list[str] = []
        for index, item in enumerate(value):
            text = item.strip() if isinstance(item, str) else ""
            if not text or len(text) > max_length or not text.isprintable():
                self.issues.add(
                    (*self.loc, name, index), f"must be 1..{max_length} printable characters"
                )
            else:
                items.append(text)
        return tuple(items)

    def objects(self, name: str, *, max_items: int) -> list[tuple[int, object]]:
        if self._missing(name, True):
            return []
        value = self.raw[name]
        if not isinstance(value, list) or len(value) > max_items:
            self.issues.add((*self.loc, name), f"must be a list of at most {max_items} objects")
            return []
        return list(enumerate(value))

"""The worklist's weights: how many points each factor is worth (``HUIKUAN_WORKLIST_WEIGHTS``).

Configuration is JSON; keys given replace the defaults below, maps (``amount_units``,
``risk_severity``, ``priority_bands``) are merged key by key. Every value is a decimal
(a JSON number or a string). Bad weights are refused with a message that names the key,
so the service does not start with a score nobody can explain.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from app.domain.collection.risk import Severity
from app.domain.collection.tasks import TaskPriority
from app.domain.errors import ValidationFailed
from app.domain.money import MINOR_UNITS

SETTING = "HUIKUAN_WORKLIST_WEIGHTS"
MAX_POINTS = Decimal(1_000_000)
MAX_UNIT = Decimal(1_000_000_000_000)
MAX_PLACES = 4
ANY_CURRENCY = "*"

# One "unit" of overdue money per currency, worth ``amount_overdue`` points: roughly
# CNY 10,000 in each currency, so that amounts in different currencies weigh alike
# without converting them. A currency not listed uses ``*``; set your own.
DEFAULT_AMOUNT_UNITS: dict[str, Decimal] = {
    "CNY": Decimal(10_000),
    "USD": Decimal(1_500),
    "EUR": Decimal(1_300),
    "GBP": Decimal(1_100),
    "HKD": Decimal(11_000),
    "JPY": Decimal(200_000),
    ANY_CURRENCY: Decimal(10_000),
}

DEFAULT_RISK_POINTS: dict[Severity, Decimal] = {
    Severity.LOW: Decimal(5),
    Severity.MEDIUM: Decimal(10),
    Severity.HIGH: Decimal(20),
    Severity.CRITICAL: Decimal(40),
}

# The lowest score of each task priority (below the last: low).
DEFAULT_PRIORITY_BANDS: dict[TaskPriority, Decimal] = {
    TaskPriority.URGENT: Decimal(100),
    TaskPriority.HIGH: Decimal(50),
    TaskPriority.NORMAL: Decimal(20),
}


SCALARS = (
    "amount_overdue",
    "days_overdue",
    "dunning_level",
    "broken_promises",
    "promise_due_today",
    "limitation_expiring",
)
CAPS = ("amount_overdue_max_points", "days_overdue_max_points")
MAPS = ("amount_units", "risk_severity", "priority_bands")


BANDS = (TaskPriority.URGENT, TaskPriority.HIGH, TaskPriority.NORMAL)


@dataclass(frozen=True, slots=True)
class Weights:
    """Points per unit of each factor; caps (``*_max_points``) bound the two unbounded
    factors, None for no cap."""

    amount_overdue: Decimal = Decimal(1)  # per amount unit of the item's currency
    amount_units: Mapping[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_AMOUNT_UNITS))
    amount_overdue_max_points: Decimal | None = Decimal(50)
    days_overdue: Decimal = Decimal("0.5")  # per day
    days_overdue_max_points: Decimal | None = Decimal(60)
    dunning_level: Decimal = Decimal(10)  # per level reached
    broken_promises: Decimal = Decimal(15)  # per promise broken in the window
    risk_severity: Mapping[Severity, Decimal] = field(
        default_factory=lambda: dict(DEFAULT_RISK_POINTS)
    )
    promise_due_today: Decimal = Decimal(20)
    limitation_expiring: Decimal = Decimal(30)  # the limitation check's legal flag on it
    priority_bands: Mapping[TaskPriority, Decimal] = field(
        default_factory=lambda: dict(DEFAULT_PRIORITY_BANDS)
    )

    def __post_init__(self) -> None:
        validate_weights(self)

    def amount_unit(self, currency: str) -> Decimal:
        return self.amount_units.get(currency, self.amount_units[ANY_CURRENCY])

    def risk_points(self, severity: Severity | None) -> Decimal:
        return Decimal(0) if severity is None else self.risk_severity[severity]

    def priority(self, score: Decimal) -> TaskPriority:
        """The task priority of a score: the highest band it reaches, else low."""
        for priority in BANDS:
            if score >= self.priority_bands[priority]:
                return priority
        return TaskPriority.LOW

    def as_dict(self) -> dict[str, Any]:
        """The weights as configuration would give them (for the docs)."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "amount_overdue": text(self.amount_overdue),
            "amount_units": {k: text(v) for k, v in self.amount_units.items()},
            "amount_overdue_max_points": text(self.amount_overdue_max_points),
            "days_overdue": text(self.days_overdue),
            "days_overdue_max_points": text(self.days_overdue_max_points),
            "dunning_level": text(self.dunning_level),
            "broken_promises": text(self.broken_promises),
            "risk_severity": {s.label: text(v) for s, v in self.risk_severity.items()},
            "promise_due_today": text(self.promise_due_today),
            "limitation_expiring": text(self.limitation_expiring),
            "priority_bands": {p.value: text(v) for p, v in self.priority_bands.items()},
        }


def _bad(key: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{SETTING}: {key} {message}", (key,))


def _check(key: str, value: Decimal, maximum: Decimal = MAX_POINTS) -> None:
    """A finite number within 0..maximum with at most four decimals."""
    if (
        not value.is_finite()
        or not 0 <= value <= maximum
        or value != value.quantize(Decimal(1).scaleb(-MAX_PLACES))
    ):
        raise _bad(key, f"must be a number from 0 to {maximum} with at most {MAX_PLACES} decimals")


def validate_weights(weights: Weights) -> None:
    """Non-negative points (so the score only grows with each factor), risk points that
    grow with severity, positive amount units with ``*`` among them, ordered bands."""
    for key in (*SCALARS, *CAPS):
        value = getattr(weights, key)
        if value is not None:
            _check(key, value)
    if ANY_CURRENCY not in weights.amount_units:
        raise _bad("amount_units", f"needs a {ANY_CURRENCY!r} entry for other currencies")
    for currency, unit in weights.amount_units.items():
        if currency != ANY_CURRENCY and currency not in MINOR_UNITS:
            raise _bad("amount_units", f"names an unknown currency {currency!r}")
        _check(f"amount_units.{currency}", unit, MAX_UNIT)
        if unit == 0:
            raise _bad(f"amount_units.{currency}", "must be above 0")
    previous = Decimal(0)
    for severity in Severity:
        if severity not in weights.risk_severity:
            raise _bad("risk_severity", f"needs points for {severity.label}")
        points = weights.risk_severity[severity]
        _check(f"risk_severity.{severity.label}", points)
        if points < previous:
            raise _bad("risk_severity", "must not give a higher severity fewer points")
        previous = points
    previous = MAX_POINTS
    for priority in BANDS:
        band = weights.priority_bands.get(priority)
        if band is None:
            raise _bad("priority_bands", "needs urgent, high and normal")
        _check(f"priority_bands.{priority.value}", band)
        if band > previous:
            raise _bad("priority_bands", "must be urgent >= high >= normal")
        previous = band


def _decimal(key: str, value: Any, *, nullable: bool = False) -> Decimal | None:
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise _bad(key, "must be a number (or a string holding one)")
    try:
        return Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise _bad(key, f"must be a number, not {value!r}") from None


def _required(key: str, value: Any) -> Decimal:
    parsed = _decimal(key, value)
    assert parsed is not None
    return parsed


def _mapping(key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _bad(key, "must be an object")
    return value


def weights_from_mapping(config: Mapping[str, Any]) -> Weights:
    """Weights from configuration: given keys over the defaults (maps merged by key)."""
    unknown = sorted(set(config) - {*SCALARS, *CAPS, *MAPS})
    if unknown:
        raise ValidationFailed(
            f"{SETTING}: unknown keys {unknown}; known: {', '.join((*SCALARS, *CAPS, *MAPS))}"
        )
    default = Weights()
    values: dict[str, Any] = {}
    for key in SCALARS:
        if key in config:
            values[key] = _required(key, config[key])
    for key in CAPS:
        if key in config:
            values[key] = _decimal(key, config[key], nullable=True)
    if "amount_units" in config:
        units = dict(default.amount_units)
        for currency, unit in _mapping("amount_units", config["amount_units"]).items():
            code = currency if currency == ANY_CURRENCY else str(currency).upper()
            units[code] = _required(f"amount_units.{currency}", unit)
        values["amount_units"] = units
    if "risk_severity" in config:
        points = dict(default.risk_severity)
        for label, value in _mapping("risk_severity", config["risk_severity"]).items():
            try:
                severity = Severity.of(str(label))
            except ValidationFailed:
                raise _bad("risk_severity", f"names an unknown severity {label!r}") from None
            points[severity] = _required(f"risk_severity.{label}", value)
        values["risk_severity"] = points
    if "priority_bands" in config:
        bands = dict(default.priority_bands)
        for name, value in _mapping("priority_bands", config["priority_bands"]).items():
            if name not in ("urgent", "high", "normal"):
                raise _bad("priority_bands", f"has urgent, high and normal, not {name!r}")
            bands[TaskPriority(name)] = _required(f"priority_bands.{name}", value)
        values["priority_bands"] = bands
    return Weights(**values)


def weights_from_json(text: str | None) -> Weights:
    """Parse ``HUIKUAN_WORKLIST_WEIGHTS``; empty or unset gives the defaults."""
    if text is None or not text.strip():
        return Weights()
    try:
        config = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except ValueError as exc:
        raise ValidationFailed(f"{SETTING} is not valid JSON: {exc}") from None
    if not isinstance(config, dict):
        raise ValidationFailed(f"{SETTING} must be a JSON object")
    return weights_from_mapping(config)

"""Collection targets: how much to collect by when, within a scope, and how it is going.

Progress follows from three sums the database computes (collected, planned in the period,
planned due so far) and today's date; everything else here is arithmetic on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from app.domain.errors import CurrencyMismatch, ValidationFailed
from app.domain.money import Money, require_positive
from app.domain.receivables.installments import percent_of

MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 4000
MAX_PERIOD_DAYS = 3660  # ten years: anything longer is surely a typo

# Pace: collected as a share of what was expected by today.
AHEAD_AT = Decimal("1.05")
ON_TRACK_AT = Decimal("0.95")
AT_RISK_AT = Decimal("0.80")


class TargetScope(StrEnum):
    ORG = "org"
    CUSTOMER = "customer"
    CONTRACT = "contract"
    OWNER = "owner"
    ORG_UNIT = "org_unit"  # the unit and its descendants
    PROJECT = "project"


ID_SCOPES = (TargetScope.CUSTOMER, TargetScope.CONTRACT, TargetScope.ORG_UNIT, TargetScope.PROJECT)


class Pace(StrEnum):
    AHEAD = "ahead"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BEHIND = "behind"


class TargetStatus(StrEnum):
    ACTIVE = "active"
    ACHIEVED = "achieved"
    MISSED = "missed"


class ExpectedBasis(StrEnum):
    PLAN = "plan"  # the target's amount spread in the shape of the installments due in it
    STRAIGHT_LINE = "straight_line"  # no installment in scope falls due in the period


@dataclass(slots=True)
class Target:
    id: UUID
    name: str
    amount: Money
    period_start: date
    period_end: date
    scope: TargetScope
    created_at: datetime
    updated_at: datetime
    # customer or contract id, or the owner's user id; None for the org.
    scope_id: UUID | str | None = None
    owner: str | None = None
    description: str | None = None
    version: int = 1
    parent_id: UUID | None = None  # the target this one is a part of

    def __post_init__(self) -> None:
        validate_target(self)

    @property
    def currency(self) -> str:
        return self.amount.currency


EDITABLE_FIELDS = ("name", "amount", "period_start", "period_end", "owner", "description")


def validate_target(target: Target) -> None:
    name = target.name.strip()
    if not name:
        raise ValidationFailed("name must not be empty", ("name",))
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(f"name is longer than {MAX_NAME_LENGTH} characters", ("name",))
    require_positive(target.amount)
    if target.period_end < target.period_start:
        raise ValidationFailed(
            f"period_end {target.period_end} is before period_start {target.period_start}",
            ("period_end",),
        )
    if (target.period_end - target.period_start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed("a target's period is at most ten years", ("period_end",))
    if target.description is not None and len(target.description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationFailed("description is too long", ("description",))
    _validate_scope(target.scope, target.scope_id)


def _validate_scope(scope: TargetScope, scope_id: UUID | str | None) -> None:
    if scope is TargetScope.ORG:
        if scope_id is not None:
            raise ValidationFailed("an org target has no scope_id", ("scope_id",))
        return
    if scope_id is None or (isinstance(scope_id, str) and not scope_id.strip()):
        raise ValidationFailed(f"a {scope.value} target needs a scope_id", ("scope_id",))
    if scope in ID_SCOPES and not isinstance(scope_id, UUID):
        raise ValidationFailed(f"a {scope.value} target's scope_id is its id", ("scope_id",))


def parse_scope_id(scope: TargetScope, value: str | None) -> UUID | str | None:
    """The scope id as the target keeps it: a UUID for customers and contracts."""
    if value is None or scope is TargetScope.OWNER:
        return value  # an org target with a scope_id is refused by validate_target
    try:
        return UUID(value)
    except ValueError:
        raise ValidationFailed(f"scope_id {value!r} is not an id", ("scope_id",)) from None


def check_part(parent: Target, child: Target, siblings: Sequence[Target]) -> None:
    """May ``child`` be a part of ``parent`` beside ``siblings`` (the parent's other
    children)? Same currency, a period inside the parent's, and the children's amounts
    summing to at most the parent's; else 422."""
    if child.id == parent.id:
        raise ValidationFailed("a target cannot be a part of itself", ("parent_id",))
    if child.currency != parent.currency:
        raise CurrencyMismatch(
            f"the parent target is in {parent.currency}, this one in {child.currency}",
            ("currency",),
        )
    if child.period_start < parent.period_start or child.period_end > parent.period_end:
        raise ValidationFailed(
            f"the period must lie within the parent's, {parent.period_start} to "
            f"{parent.period_end}",
            ("period_start",),
        )
    parts = Money.sum([s.amount for s in siblings if s.id != child.id], parent.currency)
    if parts + child.amount > parent.amount:
        raise ValidationFailed(
            f"the parts would add up to more than the parent's {parent.amount.to_wire()} "
            f"({parts.to_wire()} is taken)",
            ("amount",),
        )


def check_whole(parent: Target, children: Sequence[Target]) -> None:
    """A changed parent still holds its children: its amount at least theirs, its period
    around theirs (422)."""
    taken = Money.sum([c.amount for c in children], parent.currency)
    if taken > parent.amount:
        raise ValidationFailed(
            f"its parts add up to {taken.to_wire()}, more than the new amount", ("amount",)
        )
    for child in children:
        if child.period_start < parent.period_start or child.period_end > parent.period_end:
            raise ValidationFailed(
                f"part {child.id} has a period outside the new one", ("period_start",)
            )


def change_target(
    target: Target, values: dict[str, Any], now: datetime
) -> tuple[Target, dict[str, tuple[Any, Any]]]:
    """Apply a partial update (scope and currency are fixed); returns ``{field: (from, to)}``."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"fields cannot be changed: {sorted(unknown)}")
    changed = {
        name: (getattr(target, name), value)
        for name, value in values.items()
        if getattr(target, name) != value
    }
    if not changed:
        return target, {}
    updated = replace(
        target,
        **{name: after for name, (_, after) in changed.items()},
        updated_at=now,
        version=target.version + 1,
    )
    return updated, changed


def pace(collected: Money, expected: Money) -> Pace:
    """How collection keeps up with what was expected by now (thresholds above)."""
    if not expected.is_positive():
        return Pace.AHEAD if collected.is_positive() else Pace.ON_TRACK
    ratio = collected.amount / expected.amount
    if ratio >= AHEAD_AT:
        return Pace.AHEAD
    if ratio >= ON_TRACK_AT:
        return Pace.ON_TRACK
    if ratio >= AT_RISK_AT:
        return Pace.AT_RISK
    return Pace.BEHIND


def period_days(target: Target) -> int:
    return (target.period_end - target.period_start).days + 1


def days_elapsed(target: Target, today: date) -> int:
    """Days of the period before today (0 until it starts, all of them once it is over)."""
    return max(0, min(period_days(target), (today - target.period_start).days))


def days_left(target: Target, today: date) -> int:
    """Days still to collect in, today included (0 once the period is over)."""
    return period_days(target) - days_elapsed(target, today)


def _round(value: Decimal, currency: str, rounding: str) -> Money:
    step = Decimal(1).scaleb(-Money.zero(currency).places)
    return Money(value.quantize(step, rounding=rounding), currency)


def expected_to_date(
    target: Target, planned_in_period: Money, planned_to_date: Money, today: date
) -> tuple[Money, ExpectedBasis]:
    """What should have been collected by the start of today.

    With installments in scope falling due within the period, the target's amount is
    spread in their shape: amount × (due before today ÷ due in the period). Without any,
    it is a straight line: amount × (days of the period before today ÷ days in the
    period). Rounded down to the minor unit.
    """
    # Multiply before dividing, so that exact shares (10 of 30 days of 3000) stay exact.
    if planned_in_period.is_positive():
        value = target.amount.amount * planned_to_date.amount / planned_in_period.amount
        return _round(value, target.currency, ROUND_DOWN), ExpectedBasis.PLAN
    value = target.amount.amount * days_elapsed(target, today) / period_days(target)
    return _round(value, target.currency, ROUND_DOWN), ExpectedBasis.STRAIGHT_LINE


@dataclass(frozen=True, slots=True)
class ProgressSums:
    """What the database sums for a target, in its currency: collected in the period within
    the scope, and the installments in scope due in the period (all, and before today)."""

    collected: Money
    planned_in_period: Money
    planned_to_date: Money

    @classmethod
    def empty(cls, currency: str) -> ProgressSums:
        zero = Money.zero(currency)
        return cls(zero, zero, zero)


@dataclass(frozen=True, slots=True)
class TargetProgress:
    collected: Money
    remaining: Money
    percent: Decimal
    expected_to_date: Money
    expected_basis: ExpectedBasis
    pace: Pace
    status: TargetStatus
    days_left: int
    required_daily_amount: Money | None


def target_status(target: Target, collected: Money, today: date) -> TargetStatus:
    if collected >= target.amount:
        return TargetStatus.ACHIEVED
    if today > target.period_end:
        return TargetStatus.MISSED
    return TargetStatus.ACTIVE


def target_progress(target: Target, sums: ProgressSums, today: date) -> TargetProgress:
    """Where a target stands on ``today``.

    ``required_daily_amount`` is what is left spread over the days left, rounded up to
    the minor unit; null once the period is over with something left.
    """
    collected = sums.collected
    zero = Money.zero(target.currency)
    remaining = target.amount - collected if collected < target.amount else zero
    expected, basis = expected_to_date(target, sums.planned_in_period, sums.planned_to_date, today)
    left = days_left(target, today)
    if remaining.is_zero():
        daily: Money | None = zero
    elif left == 0:
        daily = None
    else:
        daily = _round(remaining.amount / left, target.currency, ROUND_UP)
    return TargetProgress(
        collected=collected,
        remaining=remaining,
        percent=percent_of(collected, target.amount),
        expected_to_date=expected,
        expected_basis=basis,
        pace=pace(collected, expected),
        status=target_status(target, collected, today),
        days_left=left,
        required_daily_amount=daily,
    )

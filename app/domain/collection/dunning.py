"""Dunning: the ladder of steps taken as an invoice stays unpaid past its due date.

The policy is a list of levels, each reached at a number of days overdue. Which level an
invoice has reached is a pure function of its days overdue and the policy; the scheduler
applies it (and skips disputed invoices and invoices on hold).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.domain.errors import ValidationFailed

MAX_LEVELS = 20
MAX_ACTION_LENGTH = 100
MAX_DAYS_OVERDUE = 3650


@dataclass(frozen=True, slots=True)
class DunningLevel:
    level: int
    days_overdue: int
    action: str
    create_task: bool = False


@dataclass(frozen=True, slots=True)
class DunningPolicy:
    levels: tuple[DunningLevel, ...]
    version: int = 1
    updated_at: datetime | None = None
    updated_by: str | None = None
    updated_by_user: str | None = None

    def __post_init__(self) -> None:
        validate_levels(self.levels)


DEFAULT_LEVELS = (
    DunningLevel(1, 1, "reminder", create_task=False),
    DunningLevel(2, 15, "escalate", create_task=True),
    DunningLevel(3, 30, "final_notice", create_task=True),
    DunningLevel(4, 60, "legal", create_task=True),
)


def validate_levels(levels: Sequence[DunningLevel]) -> None:
    """At least one level; level numbers and days overdue both strictly increasing."""
    if not levels:
        raise ValidationFailed("a dunning policy needs at least one level", ("levels",))
    if len(levels) > MAX_LEVELS:
        raise ValidationFailed(f"a dunning policy has at most {MAX_LEVELS} levels", ("levels",))
    for index, item in enumerate(levels):
        if item.level < 1:
            raise ValidationFailed("levels are numbered from 1", ("levels", index, "level"))
        if not 1 <= item.days_overdue <= MAX_DAYS_OVERDUE:
            raise ValidationFailed(
                f"days_overdue must be within 1..{MAX_DAYS_OVERDUE}",
                ("levels", index, "days_overdue"),
            )
        action = item.action.strip()
        if not action or len(action) > MAX_ACTION_LENGTH:
            raise ValidationFailed(
                f"action must be 1..{MAX_ACTION_LENGTH} characters", ("levels", index, "action")
            )
        if index == 0:
            continue
        previous = levels[index - 1]
        if item.level <= previous.level:
            raise ValidationFailed(
                f"level {item.level} does not come after level {previous.level}: "
                "levels must be strictly increasing",
                ("levels", index, "level"),
            )
        if item.days_overdue <= previous.days_overdue:
            raise ValidationFailed(
                f"level {item.level} at {item.days_overdue} days is not later than level "
                f"{previous.level} at {previous.days_overdue} days: days_overdue must be "
                "strictly increasing",
                ("levels", index, "days_overdue"),
            )


def level_reached(days_overdue: int, policy: DunningPolicy) -> DunningLevel | None:
    """The highest level whose days overdue the invoice has reached; None before the first."""
    reached = None
    for item in policy.levels:
        if days_overdue >= item.days_overdue:
            reached = item
    return reached


def level_change(
    current_level: int, days_overdue: int, policy: DunningPolicy
) -> DunningLevel | None:
    """The level an invoice moves up to now, or None when it stays where it is (levels only
    go up: a lower policy, a payment or a reschedule never lowers a level already sent)."""
    reached = level_reached(days_overdue, policy)
    if reached is None or reached.level <= current_level:
        return None
    return reached

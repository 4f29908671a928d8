"""Project payment nodes: installment kinds, milestone terms and the contract's milestones.

In project contracts money falls due on events (signing, acceptance, completion), not
dates. An installment with a :class:`MilestoneTerm` has no due date until its milestone is
reached; then it is due ``reached_on`` plus the offset. Month offsets clamp to the month's
end (31 Jan + 1 month = 28/29 Feb), the way contracts and banks count months.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.domain.errors import ValidationFailed
from app.domain.evidence import EvidenceLink

MAX_MILESTONES = 50
MAX_KEY_LENGTH = 50
MAX_OFFSET_DAYS = 3660  # ten years: anything longer is surely a typo
MAX_OFFSET_MONTHS = 120


class InstallmentKind(StrEnum):
    ADVANCE = "advance"  # 预付款
    PROGRESS = "progress"  # 进度款
    ACCEPTANCE = "acceptance"  # 验收款
    SETTLEMENT = "settlement"  # 结算款
    RETENTION = "retention"  # 质保金
    OTHER = "other"


class Basis(StrEnum):
    DATE = "date"
    MILESTONE = "milestone"


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the last day of the month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True, slots=True)
class MilestoneTerm:
    """Due ``offset_days`` or ``offset_months`` after ``milestone`` is reached (0 if neither)."""

    milestone: str
    offset_days: int | None = None
    offset_months: int | None = None

    def due_on(self, reached_on: date) -> date:
        if self.offset_months is not None:
            return add_months(reached_on, self.offset_months)
        return reached_on + timedelta(days=self.offset_days or 0)


def check_term(term: MilestoneTerm, loc: tuple[str | int, ...]) -> None:
    if term.offset_days is not None and term.offset_months is not None:
        raise ValidationFailed("give offset_days or offset_months, not both", (*loc, "offset_days"))
    if term.offset_days is not None and not 0 <= term.offset_days <= MAX_OFFSET_DAYS:
        raise ValidationFailed(
            f"offset_days must be within [0, {MAX_OFFSET_DAYS}]", (*loc, "offset_days")
        )
    if term.offset_months is not None and not 0 <= term.offset_months <= MAX_OFFSET_MONTHS:
        raise ValidationFailed(
            f"offset_months must be within [0, {MAX_OFFSET_MONTHS}]", (*loc, "offset_months")
        )


@dataclass(frozen=True, slots=True)
class Milestone:
    """A contract's payment node: planned, then reached (with the paper trail)."""

    key: str
    name: str
    planned_on: date | None = None
    reached_on: date | None = None
    evidence: tuple[EvidenceLink, ...] = ()

    @property
    def reached(self) -> bool:
        return self.reached_on is not None


def check_milestones(milestones: Sequence[Milestone]) -> None:
    if len(milestones) > MAX_MILESTONES:
        raise ValidationFailed(
            f"a contract has at most {MAX_MILESTONES} milestones", ("milestones",)
        )
    seen: set[str] = set()
    for index, milestone in enumerate(milestones):
        key = milestone.key
        if not key or key != key.strip() or len(key) > MAX_KEY_LENGTH:
            raise ValidationFailed(
                f"key must be 1 to {MAX_KEY_LENGTH} characters without surrounding spaces",
                ("milestones", index, "key"),
            )
        if key in seen:
            raise ValidationFailed(
                f"milestone keys are unique within a contract: {key!r}",
                ("milestones", index, "key"),
            )
        if not milestone.name.strip():
            raise ValidationFailed("name must not be empty", ("milestones", index, "name"))
        seen.add(key)


def planned_due(term: MilestoneTerm, milestone: Milestone) -> date | None:
    """Where the forecast places an installment awaiting ``milestone``: planned + offset."""
    if milestone.planned_on is None:
        return None
    return term.due_on(milestone.planned_on)

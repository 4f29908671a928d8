"""The weekly progress review (回款进度会议): its period and its sections as tables.

Every section is a table of typed cells (``Cell``), one per row, so that JSON, CSV, XLSX and
HTML render the same figures; a section whose data the service does not hold yet is
``available=False`` with no rows, and every format says "not available" for it. Column keys
are the JSON field names and, prefixed with ``column.``, the message catalogue's keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from app.domain.money import Money

Cell = str | Money | Decimal | date | UUID | int | None

# The sections in the order the pack shows them; each is built by one function (in
# app/services/reporting/review_sections.py or review_lookouts.py) and titled by
# ``section.<key>`` in the catalogue.
SECTION_KEYS = (
    "targets",
    "target_curves",
    "by_owner",
    "by_org_unit",
    "by_project",
    "collection",
    "overdue_movement",
    "aging",
    "promises",
    "risk_flags",
    "tasks",
    "top_overdue_customers",
    "unbilled",
    "limitation_expiring",
    "next_period",
)
TOP_CUSTOMERS = 10
CURVES = 3  # the largest targets of the period get a curve each


@dataclass(frozen=True, slots=True)
class ReviewPeriod:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> ReviewPeriod:
        """The period of the same length just before."""
        return ReviewPeriod(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    @property
    def following(self) -> ReviewPeriod:
        """The period of the same length just after: what the next meeting looks at."""
        return ReviewPeriod(self.end + timedelta(days=1), self.end + timedelta(days=self.days))


def last_full_week(today: date) -> ReviewPeriod:
    """Monday to Sunday of the last week that has ended before ``today``."""
    monday = today - timedelta(days=today.weekday() + 7)
    return ReviewPeriod(monday, monday + timedelta(days=6))


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    columns: tuple[str, ...]
    rows: list[dict[str, Cell]] = field(default_factory=list)
    available: bool = True

    def values(self) -> list[list[Cell]]:
        return [[row.get(c) for c in self.columns] for row in self.rows]


def not_available(key: str, columns: Sequence[str] = ()) -> Section:
    """A section whose data comes with a feature this service does not have yet."""
    return Section(key, tuple(columns), [], available=False)


@dataclass(frozen=True, slots=True)
class ProgressReview:
    period: ReviewPeriod
    previous: ReviewPeriod
    following: ReviewPeriod
    today: date
    currency: str | None
    org_unit_id: UUID | None
    sections: Sequence[Section]
    org_unit_name: str | None = None

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def change(now: Money, before: Money) -> Decimal | None:
    """Percentage change, two decimals, half up; None when there was nothing before."""
    if before.is_zero():
        return None
    return ((now.amount - before.amount) / before.amount * 100).quantize(Decimal("0.01"))

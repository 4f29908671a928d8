"""Limitation periods (诉讼时效): how long a receivable can still be sued for.

PRC Civil Code art. 188: three years from the day the creditor knew its right was
infringed, here the due date. Art. 195: the period starts again from a demand for payment,
the debtor's agreement to pay (acknowledgement) or a legal action. Arts. 201–202: the day a
period starts is not counted, and a period in years ends on the corresponding day of the
last year (the month's last day when there is none: a period from 29 February ends on 28
February). So a period starting on D ends on D shifted by the years, and that day is the
last on which an action can still be filed (``expires_on``).

An interruption before the due date changes nothing: the period has not started yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID

from app.domain.collection.risk import Severity
from app.domain.errors import ValidationFailed

DEFAULT_YEARS = 3
DEFAULT_WARN_DAYS = (180, 90, 30)
WARN_SETTING = "HUIKUAN_LIMITATION_WARN_DAYS"
RULE = "limitation"  # the rule name of the ``legal`` flags the limitation check raises
MAX_WARN_DAYS = 3650


class InterruptionKind(StrEnum):
    """What started the period again (art. 195)."""

    DEMAND = "demand"  # an interaction with demand: true and evidence, by letter, email or visit
    PROMISE = "promise"  # the debtor promised to pay
    PAYMENT = "payment"  # a payment allocated to the receivable
    CONFIRMATION = "confirmation"  # a confirmed balance confirmation
    LEGAL_ACTION = "legal_action"  # a lawsuit, arbitration, payment order or mediation


class ReceivableKind(StrEnum):
    INVOICE = "invoice"
    INSTALLMENT = "installment"


@dataclass(frozen=True, slots=True)
class Interruption:
    on: date
    kind: InterruptionKind
    ref: UUID  # the interaction, promise, allocation, confirmation or legal action

    def document(self) -> dict[str, str]:
        return {"on": self.on.isoformat(), "kind": self.kind.value, "ref": str(self.ref)}


@dataclass(frozen=True, slots=True)
class Period:
    starts_on: date
    expires_on: date
    last_interruption: Interruption | None

    def days_left(self, today: date) -> int:
        """Days until the last day on which an action can be filed (0 on that day)."""
        return (self.expires_on - today).days

    def expired(self, today: date) -> bool:
        return today > self.expires_on


def add_years(day: date, years: int) -> date:
    """The corresponding day ``years`` later; 29 February becomes 28 February (art. 202)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def latest(interruptions: Iterable[Interruption]) -> Interruption | None:
    """The interruption the period runs from: the latest day; on a tie, the first listed."""
    best: Interruption | None = None
    for item in interruptions:
        if best is None or item.on > best.on:
            best = item
    return best


def period(due_date: date, interruptions: Iterable[Interruption], years: int) -> Period:
    """The running period: from the due date, or from the latest interruption after it."""
    last = latest(i for i in interruptions if i.on > due_date)
    starts_on = last.on if last is not None else due_date
    return Period(starts_on, add_years(starts_on, years), last)


def thresholds_reached(period: Period, warn_days: Sequence[int], today: date) -> list[int]:
    """The warning thresholds (days before expiry) that ``today`` has reached, widest first."""
    return sorted(
        (d for d in warn_days if period.expires_on - timedelta(days=d) <= today), key=lambda d: -d
    )


def next_check_on(period: Period, warn_days: Sequence[int], today: date) -> date | None:
    """The next day a threshold is reached (after today), or None once all are (or it
    expired): the day the limitation check must look at the receivable again."""
    days = [
        period.expires_on - timedelta(days=d)
        for d in warn_days
        if period.expires_on - timedelta(days=d) > today
    ]
    return min(days) if days else None


def latest_start_to_check(today: date, widest_warn_days: int, years: int) -> date:
    """The latest due date whose uninterrupted period has reached the widest threshold by
    ``today``: ``add_years(d, years) - widest <= today`` holds for every d up to it."""
    candidate = add_years(today + timedelta(days=widest_warn_days), -years)
    # add_years is monotone but not invertible at 29 February: step to the exact bound.
    while (
        add_years(candidate + timedelta(days=1), years) - timedelta(days=widest_warn_days) <= today
    ):
        candidate += timedelta(days=1)
    while add_years(candidate, years) - timedelta(days=widest_warn_days) > today:
        candidate -= timedelta(days=1)
    return candidate


def parse_warn_days(raw: str) -> tuple[int, ...]:
    """``"180,90,30"`` → (180, 90, 30): positive whole days, distinct, widest first."""
    parts = [p.strip() for p in raw.split(",")]
    if not raw.strip() or any(not p.isdigit() for p in parts):
        raise ValidationFailed(
            f"{WARN_SETTING} must be positive whole numbers of days, comma-separated "
            "(e.g. 180,90,30)"
        )
    days = [int(p) for p in parts]
    if any(d <= 0 or d > MAX_WARN_DAYS for d in days):
        raise ValidationFailed(f"{WARN_SETTING} days must be from 1 to {MAX_WARN_DAYS}")
    if len(set(days)) != len(days):
        raise ValidationFailed(f"{WARN_SETTING} lists a day twice")
    return tuple(sorted(days, reverse=True))


def legal_severity(reached: int, expired: bool) -> Severity | None:
    """The ``legal`` flag from the second threshold reached on: high, then critical from
    the third (or once the period has run out)."""
    if expired or reached >= 3:
        return Severity.CRITICAL
    if reached == 2:
        return Severity.HIGH
    return None

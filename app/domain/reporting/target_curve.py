"""A target's progress as two curves for a chart: collected so far against expected.

Both are cumulative from the period's start, one point at the end of each day or ISO week
(the last one cut at the period's end). The expected curve is the one progress uses
(``app/domain/targets.expected_to_date``): the target's amount spread in the shape of the
installments in scope due in the period, or a straight line without any.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.collection.targets import ExpectedBasis, Target, expected_to_date
from app.domain.money import Money
from app.domain.reporting.reports import Interval, periods


@dataclass(frozen=True, slots=True)
class CurvePoint:
    day: date
    # Collected up to the end of ``day`` (up to today in the running period); None for
    # periods that have not started yet.
    collected: Money | None
    expected: Money  # what should be in by the end of ``day``


@dataclass(frozen=True, slots=True)
class ProgressCurve:
    target: Target
    interval: Interval
    today: date
    expected_basis: ExpectedBasis
    points: list[CurvePoint]


def progress_curve(
    target: Target,
    collected_by_day: Mapping[date, Money],
    planned_by_day: Mapping[date, Money],
    today: date,
    interval: Interval,
) -> ProgressCurve:
    """Points at the end of each day or week of the target's period.

    ``collected_by_day`` is what counts toward the target per day of receipt and
    ``planned_by_day`` the installments in scope per due date, both within the period.
    """
    currency = target.currency
    planned_in_period = Money.sum(planned_by_day.values(), currency)
    collected_days = sorted(collected_by_day.items())
    planned_days = sorted(planned_by_day.items())
    collected = planned = Money.zero(currency)
    next_collected = next_planned = 0
    basis = ExpectedBasis.STRAIGHT_LINE
    points = []
    for period in periods(target.period_start, target.period_end, interval):
        through = period.end
        while next_planned < len(planned_days) and planned_days[next_planned][0] <= through:
            planned += planned_days[next_planned][1]
            next_planned += 1
        until = min(through, today)
        while next_collected < len(collected_days) and collected_days[next_collected][0] <= until:
            collected += collected_days[next_collected][1]
            next_collected += 1
        expected, basis = expected_to_date(
            target, planned_in_period, planned, through + timedelta(days=1)
        )
        points.append(CurvePoint(through, collected if period.start <= today else None, expected))
    return ProgressCurve(target, interval, today, basis, points)

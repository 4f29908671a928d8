"""The retention report: retention money (质保金) held by customers, when it is released,
what was collected and what is still outstanding, as of a day.

One line per live retention installment; its release date is its due date, or none while
it awaits its milestone (then it is not past release, whatever the day). Groups sum their
lines per currency; currencies are never added together. Grouped by org unit, a line is in
its unit's group and in every unit's above it; the per-currency totals count it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from app.domain.money import Money
from app.domain.reporting.reports import GroupLabel, group_order


class RetentionGroupBy(StrEnum):
    CUSTOMER = "customer"
    PROJECT = "project"
    ORG_UNIT = "org_unit"


@dataclass(frozen=True, slots=True)
class RetentionLine:
    installment_id: UUID
    contract_id: UUID
    contract_name: str
    customer_id: UUID
    customer_name: str
    name: str
    amount: Money
    release_date: date | None  # None: awaiting ``milestone``
    milestone: str | None
    collected: Money
    written_off: Money
    group: GroupLabel | None = None  # None: by customer

    @property
    def currency(self) -> str:
        return self.amount.currency

    @property
    def outstanding(self) -> Money:
        rest = self.amount - self.collected - self.written_off
        return rest if rest.is_positive() else Money.zero(self.currency)

    def days_past_release(self, as_of: date) -> int:
        if self.release_date is None or not self.outstanding.is_positive():
            return 0
        return max(0, (as_of - self.release_date).days)


@dataclass(frozen=True, slots=True)
class RetentionGroup:
    key: UUID | str | None  # None: the unassigned group (by project or org unit)
    name: str | None
    currency: str
    lines: tuple[RetentionLine, ...]
    parent_id: UUID | None = None  # org units only
    depth: int | None = None  # org units only

    def total(self, field: str) -> Money:
        return Money.sum((getattr(line, field) for line in self.lines), self.currency)

    def past_release(self, as_of: date) -> Money:
        return Money.sum(
            (line.outstanding for line in self.lines if line.days_past_release(as_of) > 0),
            self.currency,
        )


@dataclass(frozen=True, slots=True)
class RetentionReport:
    as_of: date
    group_by: RetentionGroupBy
    groups: tuple[RetentionGroup, ...]


def retention_report(
    as_of: date, group_by: RetentionGroupBy, lines: Iterable[RetentionLine]
) -> RetentionReport:
    """Lines grouped by their group (by customer: the customer) and currency, ordered as
    the other grouped reports (keyed ones first, shallower units first, largest amount
    first, then by name); lines by release date, awaiting ones last."""
    grouped: dict[tuple[UUID | str | None, str], list[RetentionLine]] = {}
    labels: dict[UUID | str | None, GroupLabel] = {}
    for line in lines:
        label = line.group or GroupLabel(line.customer_id, line.customer_name)
        grouped.setdefault((label.key, line.currency), []).append(line)
        labels[label.key] = label
    groups = [
        RetentionGroup(
            key,
            labels[key].name,
            currency,
            tuple(sorted(items, key=_line_order)),
            labels[key].parent_id,
            labels[key].depth,
        )
        for (key, currency), items in grouped.items()
    ]
    groups.sort(key=lambda g: group_order(g.currency, g.key, g.depth, g.total("amount"), g.name))
    return RetentionReport(as_of, group_by, tuple(groups))


def _line_order(line: RetentionLine) -> tuple[bool, date, str, str, str]:
    release = line.release_date or date.max
    awaiting = line.release_date is None
    return (awaiting, release, line.contract_name, line.name, str(line.installment_id))


def retention_totals(report: RetentionReport) -> Sequence[tuple[str, Money, Money, Money]]:
    """(currency, amount, collected, outstanding) per currency, each line once."""
    sums: dict[str, tuple[Money, Money, Money]] = {}
    seen: set[UUID] = set()
    for group in report.groups:
        for line in group.lines:
            if line.installment_id in seen:
                continue
            seen.add(line.installment_id)
            zero = Money.zero(line.currency)
            amount, collected, outstanding = sums.get(line.currency, (zero, zero, zero))
            sums[line.currency] = (
                amount + line.amount,
                collected + line.collected,
                outstanding + line.outstanding,
            )
    return [(currency, *sums[currency]) for currency in sorted(sums)]


LINE_COLUMNS = (
    "contract_id",
    "contract_name",
    "installment_id",
    "installment_name",
    "amount",
    "release_date",
    "awaiting_milestone",
    "days_past_release",
    "collected",
    "outstanding",
)


def retention_columns(group_by: RetentionGroupBy) -> tuple[str, ...]:
    """The CSV header: the group's id and name as the JSON names them, then the line's."""
    prefix = "customer" if group_by is RetentionGroupBy.CUSTOMER else group_by.value
    return (f"{prefix}_id", f"{prefix}_name", "currency", *LINE_COLUMNS)


def retention_rows(report: RetentionReport) -> list[list[str | Money | date | UUID | int | None]]:
    """One row per line and group, the group's columns repeated (for CSV); an empty id
    is the unassigned group."""
    return [
        [
            group.key,
            group.name,
            group.currency,
            line.contract_id,
            line.contract_name,
            line.installment_id,
            line.name,
            line.amount,
            line.release_date,
            line.milestone if line.release_date is None else None,
            line.days_past_release(report.as_of),
            line.collected,
            line.outstanding,
        ]
        for group in report.groups
        for line in group.lines
    ]

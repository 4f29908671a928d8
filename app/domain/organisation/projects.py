"""Projects: what money is planned and reviewed by. A project belongs to one customer and
one org unit; contracts belong to a project (``contracts.project_id``), and invoices and
installments to it through their contract."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from app.domain.errors import ValidationFailed
from app.domain.money import Money


class ProjectStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CLOSED = "closed"


@dataclass(slots=True)
class Project:
    id: UUID
    name: str
    customer_id: UUID
    created_at: datetime
    updated_at: datetime
    external_id: str | None = None
    org_unit_id: UUID | None = None
    manager: str | None = None
    status: ProjectStatus = ProjectStatus.ACTIVE
    starts_on: date | None = None
    ends_on: date | None = None
    version: int = 1

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationFailed("name must not be empty", ("name",))
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationFailed("ends_on is before starts_on", ("ends_on",))


EDITABLE_FIELDS = (
    "name",
    "external_id",
    "org_unit_id",
    "manager",
    "status",
    "starts_on",
    "ends_on",
)


def change_project(
    project: Project, values: dict[str, Any], now: datetime
) -> tuple[Project, dict[str, tuple[Any, Any]]]:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"fields cannot be changed: {sorted(unknown)}")
    changed = {
        name: (getattr(project, name), value)
        for name, value in values.items()
        if getattr(project, name) != value
    }
    if not changed:
        return project, {}
    updated = replace(
        project,
        **{name: after for name, (_, after) in changed.items()},
        updated_at=now,
        version=project.version + 1,
    )
    return updated, changed


@dataclass(frozen=True, slots=True)
class ProjectFigures:
    """A project's money in one currency, from its contracts and their invoices: invoiced
    and collected count invoices not voided (written off included: it was billed);
    outstanding and overdue the payable ones."""

    currency: str
    contract_value: Money
    invoiced: Money
    collected: Money
    outstanding: Money
    overdue: Money
    # Retention money (质保金) not yet collected nor written off, released or not; and what
    # installments due HUIKUAN_UNBILLED_AFTER_DAYS ago or more have not invoiced.
    retention_held: Money
    unbilled: Money

    @property
    def collection_rate(self) -> Decimal | None:
        """Collected ÷ invoiced × 100, two decimals; None when nothing is invoiced."""
        if self.invoiced.is_zero():
            return None
        rate = self.collected.amount / self.invoiced.amount * 100
        return rate.quantize(Decimal("0.01"))


def figures(
    currency: str,
    contract_value: Decimal,
    invoiced: Decimal,
    collected: Decimal,
    outstanding: Decimal,
    overdue: Decimal,
    retention_held: Decimal = Decimal(0),
    unbilled: Decimal = Decimal(0),
) -> ProjectFigures:
    return ProjectFigures(
        currency=currency,
        contract_value=Money.of(contract_value, currency),
        invoiced=Money.of(invoiced, currency),
        collected=Money.of(collected, currency),
        outstanding=Money.of(outstanding, currency),
        overdue=Money.of(overdue, currency),
        retention_held=Money.of(retention_held, currency),
        unbilled=Money.of(unbilled, currency),
    )

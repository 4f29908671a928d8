"""Report schemas: what the JSON answers look like (the CSV ones are flat tables)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from app.api.schemas import AmountOut
from app.domain.collection.targets import ExpectedBasis
from app.domain.reporting.reports import AgingBasis, GroupBy, Interval

Percent = Annotated[
    str | None,
    Field(
        description="A percentage with two decimals; null when its base is zero", examples=["87.50"]
    ),
]
Days = Annotated[
    str | None,
    Field(description="Days with one decimal; null when nothing was billed", examples=["42.3"]),
]


class AgingBuckets(BaseModel):
    current: AmountOut = Field(description="Not yet due: due on or after the as-of day")
    d1_30: AmountOut = Field(alias="1_30", description="1 to 30 days overdue")
    d31_60: AmountOut = Field(alias="31_60")
    d61_90: AmountOut = Field(alias="61_90")
    d91_plus: AmountOut = Field(alias="91_plus", description="91 days overdue or more")


class OrganisedGroup(BaseModel):
    """Present with group_by=org_unit or group_by=project only."""

    org_unit_id: str | None = Field(
        default=None,
        description="group_by=org_unit: the unit (its figures include its descendants')",
    )
    org_unit_name: str | None = None
    parent_id: str | None = Field(default=None, description="group_by=org_unit: its parent")
    depth: int | None = Field(default=None, description="group_by=org_unit: a root is 1")
    project_id: str | None = Field(default=None, description="group_by=project: the project")
    project_name: str | None = None
    unassigned: bool | None = Field(
        default=None,
        description="The group of money with no project (and, by unit, no placed owner): "
        "with the root units' rows it adds up to the total",
    )


class AgingRow(OrganisedGroup):
    currency: str
    customer_id: str | None = Field(description="group_by=customer: the customer")
    customer_name: str | None
    owner: str | None = Field(description="group_by=owner: the contract owner (null: none)")
    buckets: AgingBuckets
    total: AmountOut
    unbilled: AmountOut = Field(
        description="Due HUIKUAN_UNBILLED_AFTER_DAYS ago or more and not invoiced: apart, "
        "not in the total"
    )


class AgingOut(BaseModel):
    as_of: date
    basis: AgingBasis
    group_by: GroupBy
    currency: str | None
    groups: list[AgingRow] = Field(description="Largest total first within each currency")
    totals: list[AgingRow] = Field(description="One per currency; never summed across them")


class KpiRow(BaseModel):
    currency: str
    billed: AmountOut
    collected: AmountOut
    opening_receivables: AmountOut
    closing_receivables: AmountOut
    current_receivables: AmountOut = Field(description="Closing receivables not yet due")
    overdue: AmountOut
    disputed: AmountOut = Field(description="Closing receivables on disputed invoices")
    on_hold: AmountOut = Field(description="Closing receivables on invoices on hold")
    falling_due: AmountOut
    collected_on_time: AmountOut
    unbilled: AmountOut = Field(
        description="At `to`: installments due HUIKUAN_UNBILLED_AFTER_DAYS before or "
        "earlier, not invoiced (apart from the receivables)"
    )
    dso: Days
    best_possible_dso: Days
    average_days_delinquent: Days
    cei: Percent
    on_time_rate: Percent


class KpiGroupRow(OrganisedGroup, KpiRow):
    customer_id: str | None = Field(default=None, description="group_by=customer")
    customer_name: str | None = None
    owner: str | None = Field(default=None, description="group_by=owner (null: none)")


class KpisOut(BaseModel):
    from_: date = Field(alias="from")
    to: date
    period_days: int
    currency: str | None
    data: list[KpiRow] = Field(description="One per currency: the totals")
    group_by: GroupBy | None = Field(default=None, description="Present when grouped")
    groups: list[KpiGroupRow] | None = Field(
        default=None, description="Per group and currency, when grouped"
    )


class ForecastAmounts(BaseModel):
    currency: str
    installments: AmountOut = Field(description="Planned and not yet invoiced")
    invoices: AmountOut = Field(description="Outstanding that no open promise covers")
    promises: AmountOut = Field(description="Still promised")
    planned: AmountOut = Field(
        description="Installments awaiting a milestone, at its planned date plus the offset "
        "(basis: planned)"
    )
    total: AmountOut


class ForecastPeriod(ForecastAmounts):
    period_start: date
    period_end: date


class ForecastOut(BaseModel):
    from_: date = Field(alias="from")
    to: date
    interval: Interval
    today: date
    currency: str | None
    periods: list[ForecastPeriod] = Field(description="Every period for every currency")
    overdue: list[ForecastAmounts] = Field(description="Expected before today, still open")
    group_by: GroupBy | None = Field(default=None, description="Present when grouped")
    groups: list[ForecastGroup] | None = Field(
        default=None, description="The same per group, when grouped"
    )


class ForecastGroup(OrganisedGroup):
    customer_id: str | None = None
    customer_name: str | None = None
    owner: str | None = None
    periods: list[ForecastPeriod]
    overdue: list[ForecastAmounts]


class OwnerCurrency(BaseModel):
    currency: str
    collected: AmountOut
    target_amount: AmountOut
    attainment: Percent
    falling_due: AmountOut
    collected_on_time: AmountOut
    on_time_rate: Percent


class OwnerRow(OrganisedGroup):
    owner: str | None = Field(description="A user id; null gathers what belongs to nobody")
    currencies: list[OwnerCurrency]
    tasks_done: int
    tasks_overdue: int
    promises_due: int
    promises_kept: int
    promises_kept_rate: Percent


class PerformanceOut(BaseModel):
    from_: date = Field(alias="from")
    to: date
    today: date
    currency: str | None
    data: list[OwnerRow] = Field(description="Per owner; grouped, per org unit or project")
    group_by: GroupBy | None = Field(default=None, description="Present when grouped")


class CurvePoint(BaseModel):
    date: date
    collected: AmountOut | None = Field(description="Cumulative; null for periods not started")
    expected: AmountOut = Field(description="Cumulative expected by the end of the day")


class TargetProgressOut(BaseModel):
    target_id: str
    currency: str
    amount: AmountOut
    period_start: date
    period_end: date
    interval: Interval
    today: date
    expected_basis: ExpectedBasis
    points: list[CurvePoint]


class RetentionItem(BaseModel):
    installment_id: str
    contract_id: str
    contract_name: str
    name: str
    amount: AmountOut
    release_date: date | None = Field(description="null while awaiting its milestone")
    awaiting_milestone: str | None = Field(description="The milestone key it awaits")
    days_past_release: int
    collected: AmountOut
    outstanding: AmountOut


class RetentionGroupOut(BaseModel):
    customer_id: str | None = Field(default=None, description="group_by=customer")
    customer_name: str | None = None
    project_id: str | None = Field(default=None, description="group_by=project")
    project_name: str | None = None
    org_unit_id: str | None = Field(default=None, description="group_by=org_unit")
    org_unit_name: str | None = None
    parent_id: str | None = Field(default=None, description="group_by=org_unit")
    depth: int | None = Field(default=None, description="group_by=org_unit: a root is 1")
    unassigned: bool | None = Field(
        default=None, description="group_by=project or org_unit: the group without one"
    )
    currency: str
    amount: AmountOut
    collected: AmountOut
    outstanding: AmountOut
    past_release: AmountOut = Field(description="Outstanding whose release date has passed")
    items: list[RetentionItem]


class RetentionTotal(BaseModel):
    currency: str
    amount: AmountOut
    collected: AmountOut
    outstanding: AmountOut


class RetentionOut(BaseModel):
    as_of: date
    group_by: str
    currency: str | None
    groups: list[RetentionGroupOut]
    totals: list[RetentionTotal]

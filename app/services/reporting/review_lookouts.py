"""The progress review's look-outs: the largest overdue customers with their next action,
unbilled work, limitation periods running out, and next period's expected inflows."""

from __future__ import annotations

from uuid import UUID

from app.domain.money import Money
from app.domain.receivables.installments import unbilled_due_by
from app.domain.reporting.reports import (
    AgingBucket,
    GroupBy,
    Interval,
)
from app.domain.reporting.review import (
    Section,
    not_available,
)
from app.services.collection import limitation
from app.services.reporting import reports
from app.services.reporting.review_inputs import (
    TOP_ITEMS,
    Inputs,
    Row,
    is_unit,
)


async def top_overdue_customers_section(inputs: Inputs) -> Section:
    """The ten customers with the most overdue at the end, with owner and next action."""
    columns = (
        "customer_id", "customer_name", "currency", "overdue", "outstanding", "owner",
        "next_task", "next_task_due", "next_task_assignee", "promised_date", "promised_amount",
    )  # fmt: skip
    # With a unit: the money of its contracts only (as at the end), ranked within it.
    _, found = await inputs.aged()
    chosen: list[Row] = [
        {
            "customer_id": row.key,
            "customer_name": row.name,
            "currency": row.currency,
            "overdue": row.total - row.buckets[AgingBucket.CURRENT],
            "outstanding": row.total,
        }
        for row in found
    ]
    ids = [r["customer_id"] for r in chosen if isinstance(r["customer_id"], UUID)]
    actions = await inputs.uow.review.next_actions(ids, inputs.today)
    for row in chosen:
        customer = row["customer_id"]
        action = actions.get(customer) if isinstance(customer, UUID) else None
        if action is not None:
            row.update(
                owner=action.owner,
                next_task=action.task_title,
                next_task_due=action.task_due,
                next_task_assignee=action.task_assignee,
                promised_date=action.promised_date,
                promised_amount=action.promised_amount,
            )
    return Section("top_overdue_customers", columns, chosen)


async def unbilled_section(inputs: Inputs) -> Section:
    """Installments due and still not fully invoiced HUIKUAN_UNBILLED_AFTER_DAYS later
    (the unbilled-scan's rule), oldest first."""
    columns = (
        "customer_id", "contract", "installment", "kind", "currency", "unbilled", "due_date",
    )  # fmt: skip
    if inputs.ctx is None:
        return not_available("unbilled", columns)
    due_by = unbilled_due_by(inputs.today, inputs.ctx.unbilled_after_days)
    # With a unit: the installments of its contracts (as at the period's end).
    contracts = None if inputs.org_unit_id is None else inputs.contracts
    found = await inputs.uow.contract_queries.unbilled(
        due_by, contract_ids=contracts, limit=TOP_ITEMS
    )
    rows: list[Row] = [
        {
            "customer_id": line.customer_id,
            "contract": line.contract_name,
            "installment": line.installment.name,
            "kind": line.installment.kind.value,
            "currency": line.unbilled.currency,
            "unbilled": line.unbilled,
            "due_date": line.installment.due_date,
        }
        for line in found
        if inputs.currency is None or line.unbilled.currency == inputs.currency
    ]
    return Section("unbilled", columns, rows)


async def limitation_expiring_section(inputs: Inputs) -> Section:
    """Receivables whose limitation period ends within the widest warning threshold
    (HUIKUAN_LIMITATION_WARN_DAYS) of the period's end, expired ones included."""
    columns = ("customer", "kind", "ref", "currency", "outstanding", "expires_on", "days_left")
    ctx = inputs.ctx
    if ctx is None:
        return not_available("limitation_expiring", columns)
    found = await limitation.expiring(
        inputs.uow, ctx, max(ctx.limitation_warn_days), inputs.period.end
    )
    found = [
        line
        for line in found
        if inputs.currency is None or line.receivable.outstanding.currency == inputs.currency
        # With a unit: the receivables of its contracts (as at the period's end).
        if inputs.org_unit_id is None or line.receivable.contract_id in inputs.contracts
    ]
    rows: list[Row] = [
        {
            "customer": line.receivable.customer_name,
            "kind": line.receivable.kind.value,
            "ref": line.receivable.ref,
            "currency": line.receivable.outstanding.currency,
            "outstanding": line.receivable.outstanding,
            "expires_on": line.period.expires_on,
            "days_left": line.period.days_left(inputs.period.end),
        }
        for line in found[:TOP_ITEMS]
    ]
    return Section("limitation_expiring", columns, rows)


async def next_period_section(inputs: Inputs) -> Section:
    """Expected inflows over the next period of the same length (the forecast's sums)."""
    columns = ("currency", "from", "to", "installments", "invoices", "promises", "total", "late")
    following = inputs.period.following
    grouped = GroupBy.NONE if inputs.org_unit_id is None else GroupBy.ORG_UNIT
    report = await reports.forecast_report(
        inputs.uow,
        inputs.clock,
        following.start,
        following.end,
        Interval.MONTH,
        inputs.currency,
        grouped,
    )
    unit = [f for label, f in report.groups if is_unit(label.key, inputs)]
    if inputs.org_unit_id is not None and not unit:
        return Section("next_period", columns, [])
    forecast = unit[0] if unit else report.whole
    totals: dict[str, dict[str, Money]] = {}
    for line in forecast.lines:
        sums = totals.setdefault(line.currency, {})
        for source, amount in line.amounts.items():
            sums[source.value] = sums.get(source.value, Money.zero(line.currency)) + amount
    # Expected before today and still open: late, shown beside what the period expects.
    late = {
        line.currency: Money.sum(line.amounts.values(), line.currency) for line in forecast.overdue
    }
    rows: list[Row] = []
    for currency in sorted(totals):
        sums = totals[currency]
        rows.append(
            {
                "currency": currency,
                "from": following.start,
                "to": following.end,
                **sums,
                "total": Money.sum(sums.values(), currency),
                "late": late.get(currency, Money.zero(currency)),
            }
        )
    return Section("next_period", columns, rows)

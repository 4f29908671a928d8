"""Expected inflows per day: open installments (the part not yet invoiced), open invoices
(the part no promise covers) and open promises (what is still promised). One statement.

A promise naming an invoice covers that invoice's outstanding first; a promise for the
customer covers the customer's open invoices in its currency, oldest due date first (the
order automatic allocation pays them in). What a promise covers is expected on the
promised date instead of the due date, so nothing is counted twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Date,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import RowMapping

from app.adapters.db.collection.models import promises
from app.adapters.db.collection.statuses import UNSETTLED
from app.adapters.db.organisation.models import org_unit_closure
from app.adapters.db.receivables.models import (
    contract_milestones,
    contracts,
    installments,
    invoices,
)
from app.adapters.db.receivables.statuses import PAYABLE
from app.adapters.db.reporting.asof import exact
from app.adapters.db.reporting.groups import labelled, leaf_key, leaf_sums
from app.domain.reporting.reports import ForecastSource, ForecastSums, GroupBy, GroupLabel
from app.services.reporting.ports import ForecastQuery


def forecast_statement(query: ForecastQuery) -> Select[Any]:
    def same_currency(table: Any) -> tuple[Any, ...]:
        return () if query.currency is None else (table.c.currency == query.currency,)

    remaining = promises.c.amount - promises.c.paid_amount
    open_promise = and_(promises.c.status.in_(UNSETTLED), remaining > 0, *same_currency(promises))
    for_invoice = (
        select(promises.c.invoice_id, func.sum(remaining).label("promised"))
        .where(open_promise, promises.c.invoice_id.is_not(None))
        .group_by(promises.c.invoice_id)
        .subquery("for_invoice")
    )
    for_customer = (
        select(promises.c.customer_id, promises.c.currency, func.sum(remaining).label("promised"))
        .where(open_promise, promises.c.invoice_id.is_(None))
        .group_by(promises.c.customer_id, promises.c.currency)
        .subquery("for_customer")
    )
    covered_by_invoice_promise = func.least(
        invoices.c.outstanding, func.coalesce(for_invoice.c.promised, 0)
    )
    residual = (
        select(
            invoices.c.id,
            invoices.c.customer_id,
            invoices.c.contract_id,
            invoices.c.currency,
            invoices.c.due_date,
            (invoices.c.outstanding - covered_by_invoice_promise).label("residual"),
        )
        .select_from(invoices.outerjoin(for_invoice, for_invoice.c.invoice_id == invoices.c.id))
        .where(invoices.c.status.in_(PAYABLE), *same_currency(invoices))
        .subquery("residual")
    )
    running = func.sum(residual.c.residual).over(
        partition_by=(residual.c.customer_id, residual.c.currency),
        order_by=(residual.c.due_date, residual.c.id),
    )
    waterfall = (
        select(residual, running.label("running"), for_customer.c.promised)
        .select_from(
            residual.outerjoin(
                for_customer,
                and_(
                    for_customer.c.customer_id == residual.c.customer_id,
                    for_customer.c.currency == residual.c.currency,
                ),
            )
        )
        .subquery("waterfall")
    )
    before = waterfall.c.running - waterfall.c.residual
    covered = func.least(
        waterfall.c.residual,
        func.greatest(0, func.coalesce(waterfall.c.promised, 0) - before),
    )
    invoiced = (
        select(invoices.c.installment_id, func.sum(invoices.c.amount).label("invoiced"))
        .where(invoices.c.installment_id.is_not(None), invoices.c.status != "void")
        .group_by(invoices.c.installment_id)
        .subquery("invoiced")
    )
    uninvoiced = installments.c.amount - func.coalesce(invoiced.c.invoiced, 0)
    # PostgreSQL's date + interval 'n months' clamps to the month's end, as the domain does.
    planned_day = func.greatest(
        cast(
            contract_milestones.c.planned_on
            + func.make_interval(
                0,
                func.coalesce(installments.c.offset_months, 0),
                0,
                func.coalesce(installments.c.offset_days, 0),
            ),
            Date,
        ),
        query.today,
    )
    awaiting = installments.join(
        contract_milestones,
        and_(
            contract_milestones.c.contract_id == installments.c.contract_id,
            contract_milestones.c.key == installments.c.milestone,
        ),
    ).outerjoin(invoiced, invoiced.c.installment_id == installments.c.id)
    awaiting = awaiting.join(contracts, contracts.c.id == installments.c.contract_id)
    sources = union_all(
        select(
            waterfall.c.currency,
            waterfall.c.due_date.label("day"),
            literal(ForecastSource.INVOICES.value).label("source"),
            (waterfall.c.residual - covered).label("amount"),
            waterfall.c.customer_id,
            waterfall.c.contract_id,
        ),
        # A promise for the customer names no contract: grouped, it has no project or unit.
        select(
            promises.c.currency,
            promises.c.promised_date,
            literal(ForecastSource.PROMISES.value),
            remaining,
            promises.c.customer_id,
            invoices.c.contract_id,
        )
        .select_from(promises.outerjoin(invoices, invoices.c.id == promises.c.invoice_id))
        .where(open_promise),
        select(
            installments.c.currency,
            installments.c.due_date,
            literal(ForecastSource.INSTALLMENTS.value),
            uninvoiced,
            contracts.c.customer_id,
            installments.c.contract_id,
        )
        .select_from(
            installments.outerjoin(invoiced, invoiced.c.installment_id == installments.c.id).join(
                contracts, contracts.c.id == installments.c.contract_id
            )
        )
        .where(
            installments.c.removed_at.is_(None),
            installments.c.due_date.is_not(None),
            uninvoiced > 0,
            *same_currency(installments),
        ),
        select(
            installments.c.currency,
            planned_day,
            literal(ForecastSource.PLANNED.value),
            uninvoiced,
            contracts.c.customer_id,
            installments.c.contract_id,
        )
        .select_from(awaiting)
        .where(
            installments.c.removed_at.is_(None),
            installments.c.due_date.is_(None),
            contract_milestones.c.planned_on.is_not(None),
            uninvoiced > 0,
            *same_currency(installments),
        ),
    ).subquery("sources")
    day = case((sources.c.day < query.today, null()), else_=sources.c.day)
    first = max(query.start, query.today)
    in_range = or_(sources.c.day < query.today, sources.c.day.between(first, query.end))
    if query.group_by is GroupBy.NONE:
        return (
            select(
                sources.c.currency,
                day.label("day"),
                sources.c.source,
                func.sum(sources.c.amount).label("amount"),
            )
            .where(in_range)
            .group_by(sources.c.currency, day, sources.c.source)
        )
    # Grouped: per (day, source) folded into the currency column's companion ``slot`` so
    # that the roll-up sums one value column; the totals come from the ungrouped statement.
    assert query.end_at is not None, "a grouped forecast says when its assignments hold"
    source, key = leaf_key(query.group_by, sources, query.end_at)
    leaf = (
        select(
            sources.c.currency,
            key.label("key"),
            literal(0).label("grouped"),
            day.label("day"),
            sources.c.source,
            func.sum(sources.c.amount).label("amount"),
        )
        .select_from(source)
        .where(in_range)
        .group_by(sources.c.currency, key, day, sources.c.source)
    )
    agg: Any = leaf_sums(leaf, query.group_by)
    if query.group_by is GroupBy.ORG_UNIT:
        closure = org_unit_closure
        agg = union_all(
            select(
                agg.c.currency,
                closure.c.ancestor_id.label("key"),
                agg.c.grouped,
                agg.c.day,
                agg.c.source,
                func.sum(agg.c.amount).label("amount"),
            )
            .select_from(agg.join(closure, closure.c.descendant_id == agg.c.key))
            .group_by(
                agg.c.currency, closure.c.ancestor_id, agg.c.grouped, agg.c.day, agg.c.source
            ),
            select(agg).where(agg.c.key.is_(None)),
        ).subquery("rolled")
    return labelled(agg, query.group_by)


def forecast_sums(row: RowMapping) -> ForecastSums:
    currency = row["currency"]
    label = None
    if "key" in row:
        label = GroupLabel(row["key"], row["name"], row["parent_id"], row["depth"])
    return ForecastSums(
        currency=currency,
        day=row["day"],
        source=ForecastSource(row["source"]),
        amount=exact(row["amount"], currency),
        label=label,
    )

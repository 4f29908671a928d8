"""The ageing report: one statement, buckets as ``SUM(...) FILTER``, group rows and the
per-currency totals from one ``GROUPING SETS`` pass."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    func,
    literal,
    literal_column,
    null,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.engine import Row
from sqlalchemy.sql.selectable import Subquery

from app.adapters.db.customers.models import customers
from app.adapters.db.receivables.models import contracts, installments, invoices
from app.adapters.db.reporting.asof import (
    exact,
    not_voided_by,
    receivable_terms,
    unbilled_terms,
)
from app.domain.reporting.reports import BUCKET_DAYS, BUCKETS, AgingBasis, AgingSums, GroupBy
from app.services.reporting.ports import AgingQuery


def bucket_condition(
    due_date: ColumnElement[Any], day: date, low: int | None, high: int | None
) -> ColumnElement[bool]:
    """Days overdue (``day - due_date``) within ``low..high``, as bounds on the due date so
    that no row needs arithmetic."""
    conditions = []
    if low is not None:
        conditions.append(due_date <= day - timedelta(days=low))
    if high is not None:
        conditions.append(due_date >= day - timedelta(days=high))
    return and_(*conditions)


# An installment awaiting its milestone has no due date: it is not due, never overdue, so
# it ages as if due on the last day there is.
_AWAITING = date.max


def _installment_due() -> ColumnElement[Any]:
    return func.coalesce(installments.c.due_date, literal(_AWAITING))


def _installment_rows(query: AgingQuery) -> Subquery:
    """Installment basis: each live installment's outstanding by its due date, that is its
    amount less what its invoices billed (on the day) plus those invoices' outstanding;
    invoices without an installment by their own due date."""
    day = query.as_of.day
    terms = receivable_terms(query.as_of, query.currency)
    live = and_(installments.c.id == terms.c.installment_id, installments.c.removed_at.is_(None))
    invoice_terms = select(
        terms.c.currency,
        terms.c.customer_id,
        terms.c.contract_id,
        func.coalesce(installments.c.due_date, terms.c.due_date).label("due_date"),
        terms.c.amount,
        literal(0).label("unbilled"),
    ).select_from(terms.outerjoin(installments, live))
    signed = installments.join(contracts, contracts.c.id == installments.c.contract_id)
    same_currency = () if query.currency is None else (installments.c.currency == query.currency,)
    planned = (
        select(
            installments.c.currency,
            contracts.c.customer_id,
            installments.c.contract_id,
            _installment_due().label("due_date"),
            installments.c.amount,
            literal(0).label("unbilled"),
        )
        .select_from(signed)
        .where(installments.c.removed_at.is_(None), contracts.c.signed_on <= day, *same_currency)
    )
    billed = (
        select(
            invoices.c.currency,
            invoices.c.customer_id,
            installments.c.contract_id,
            _installment_due().label("due_date"),
            (-invoices.c.amount).label("amount"),
            literal(0).label("unbilled"),
        )
        .select_from(signed.join(invoices, invoices.c.installment_id == installments.c.id))
        .where(
            installments.c.removed_at.is_(None),
            contracts.c.signed_on <= day,
            not_voided_by(day),
            *same_currency,
        )
    )
    return union_all(invoice_terms, planned, billed, _unbilled_rows(query)).subquery("rows")


def _invoice_rows(query: AgingQuery) -> Subquery:
    terms = receivable_terms(query.as_of, query.currency)
    return union_all(
        select(
            terms.c.currency,
            terms.c.customer_id,
            terms.c.contract_id,
            terms.c.due_date,
            terms.c.amount,
            literal(0).label("unbilled"),
        ),
        _unbilled_rows(query),
    ).subquery("rows")


def _unbilled_rows(query: AgingQuery) -> Select[Any]:
    """What is unbilled on the day, apart: nothing in the buckets."""
    unbilled = unbilled_terms(query.as_of.day, query.unbilled_after_days, query.currency)
    return select(
        unbilled.c.currency,
        unbilled.c.customer_id,
        unbilled.c.contract_id,
        unbilled.c.due_date,
        literal(0).label("amount"),
        unbilled.c.unbilled,
    )


def aging_statement(query: AgingQuery) -> Select[Any]:
    rows = (
        _installment_rows(query) if query.basis is AgingBasis.INSTALLMENT else _invoice_rows(query)
    )
    buckets = [
        func.sum(rows.c.amount)
        .filter(bucket_condition(rows.c.due_date, query.as_of.day, low, high))
        .label(bucket.value)
        for bucket, low, high in BUCKET_DAYS
    ]
    buckets.append(func.coalesce(func.sum(rows.c.unbilled), 0).label("unbilled"))
    source: Any = rows
    if query.group_by is GroupBy.CUSTOMER:
        key: ColumnElement[Any] = rows.c.customer_id
    elif query.group_by is GroupBy.OWNER:
        source = rows.outerjoin(contracts, contracts.c.id == rows.c.contract_id)
        key = contracts.c.owner
    else:
        key = null()
    if query.group_by is GroupBy.NONE:
        aggregated = (
            select(
                rows.c.currency, key.label("key"), literal_column("1").label("grouped"), *buckets
            )
            .select_from(source)
            .group_by(rows.c.currency)
        )
    else:
        aggregated = (
            select(rows.c.currency, key.label("key"), func.grouping(key).label("grouped"), *buckets)
            .select_from(source)
            .group_by(func.grouping_sets(tuple_(rows.c.currency, key), tuple_(rows.c.currency)))
        )
    agg = aggregated.subquery("agg")
    if query.group_by is GroupBy.CUSTOMER:
        return select(agg, customers.c.name).select_from(
            agg.outerjoin(customers, customers.c.id == agg.c.key)
        )
    return select(agg, null().label("name"))


def aging_sums(row: Row[Any]) -> AgingSums:
    """A row of ``aging_statement``: currency, key, grouped, the buckets in order, name
    (read by position: reports have many rows)."""
    currency, key, grouped, *amounts, unbilled, name = tuple(row)
    return AgingSums(
        currency=currency,
        key=key,
        name=name,
        buckets={b: exact(a, currency) for b, a in zip(BUCKETS, amounts, strict=True)},
        is_total=bool(grouped),
        unbilled=exact(unbilled, currency),
    )

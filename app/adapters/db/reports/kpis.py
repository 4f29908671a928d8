"""The sums behind the KPIs: one statement, a ``UNION ALL`` of narrow sources (each read
through its own index) summed per currency."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal_column, select, union_all
from sqlalchemy.engine import RowMapping

from app.adapters.db.reports.asof import counted_on, not_voided_by, receivable_terms
from app.adapters.db.tables import invoices, payment_allocations
from app.domain.kpis import KpiSums
from app.domain.money import Money
from app.services.report_ports import KpiQuery

COLUMNS = (
    "opening",
    "billed",
    "collected",
    "closing",
    "closing_current",
    "falling_due",
    "collected_on_time",
    "disputed",
    "on_hold",
)


def _row(currency: ColumnElement[Any], **values: ColumnElement[Any]) -> Select[Any]:
    zero: ColumnElement[Any] = literal_column("0")
    return select(currency.label("currency"), *[values.get(c, zero).label(c) for c in COLUMNS])


def _only(condition: ColumnElement[bool], amount: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((condition, amount), else_=0)


def kpi_statement(query: KpiQuery) -> Select[Any]:
    last = query.end.day
    in_period = (query.start, last)
    same_currency = () if query.currency is None else (invoices.c.currency == query.currency,)
    opening = receivable_terms(query.before, query.currency, "opening")
    closing = receivable_terms(query.end, query.currency, "closing")
    with_invoice = payment_allocations.join(
        invoices, invoices.c.id == payment_allocations.c.invoice_id
    )
    sources = [
        _row(opening.c.currency, opening=opening.c.amount).select_from(opening),
        _row(
            closing.c.currency,
            closing=closing.c.amount,
            closing_current=_only(closing.c.due_date >= last, closing.c.amount),
            disputed=_only(closing.c.disputed_at < query.end.end, closing.c.amount),
            on_hold=_only(closing.c.hold_until >= last, closing.c.amount),
        ).select_from(closing),
        _row(invoices.c.currency, billed=invoices.c.amount).where(
            invoices.c.issued_on.between(*in_period), not_voided_by(last), *same_currency
        ),
        _row(invoices.c.currency, collected=payment_allocations.c.amount)
        .select_from(with_invoice)
        .where(
            payment_allocations.c.received_on >= query.start,
            counted_on(query.end),
            invoices.c.issued_on <= last,
            *same_currency,
        ),
        _row(invoices.c.currency, falling_due=invoices.c.amount).where(
            invoices.c.due_date.between(*in_period), not_voided_by(last), *same_currency
        ),
        _row(invoices.c.currency, collected_on_time=payment_allocations.c.amount)
        .select_from(with_invoice)
        .where(
            invoices.c.due_date.between(*in_period),
            not_voided_by(last),
            counted_on(query.end),
            payment_allocations.c.received_on <= invoices.c.due_date,
            *same_currency,
        ),
    ]
    parts = union_all(*sources).subquery("parts")
    return (
        select(parts.c.currency, *[func.sum(parts.c[c]).label(c) for c in COLUMNS])
        .group_by(parts.c.currency)
        .order_by(parts.c.currency)
    )


def kpi_sums(row: RowMapping) -> KpiSums:
    currency = row["currency"]
    amounts = {c: Money.of(row[c] or 0, currency) for c in COLUMNS}
    return KpiSums(currency=currency, **amounts)

"""The sums behind the KPIs: one statement, a ``UNION ALL`` of narrow sources (each read
through its own index) summed per currency.

Opening receivables need, besides the invoices open now, the allocations received since
the day before the period (they had not paid anything yet then). Rather than join all of
them to their invoices, the statement adds them up as they are (the allocation carries its
currency) and joins only the few whose invoice was not receivable on that day (issued
later, or voided or written off by then). The on-time amount is what the invoices falling
due have paid now, less the allocations received after each due date: the same join, on
the invoices due in the period. So no statement reads the whole book.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Numeric,
    Select,
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql.selectable import Subquery

from app.adapters.db.receivables.models import invoices, payment_allocations
from app.adapters.db.receivables.statuses import PAYABLE
from app.adapters.db.reporting.asof import (
    closed_by,
    exact,
    live_on,
    not_voided_by,
    receivable_terms,
    unbilled_terms,
)
from app.adapters.db.reporting.groups import labelled, leaf_key, leaves_and_totals, roll_up
from app.domain.reporting.kpis import KpiSums
from app.domain.reporting.reports import GroupBy, GroupLabel
from app.services.reporting.ports import KpiGroupSums, KpiQuery

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
    "unbilled",
)


class Sources:
    """Builds the statement's sources: per currency, or per currency and invoice contract
    and customer when the report is grouped (every source then reads its invoice)."""

    def __init__(self, grouped: bool) -> None:
        self.grouped = grouped

    def row(
        self,
        currency: ColumnElement[Any],
        keys: tuple[ColumnElement[Any], ...] = (invoices.c.customer_id, invoices.c.contract_id),
        **values: ColumnElement[Any],
    ) -> Select[Any]:
        """One source, summed per currency by itself: the union then has a handful of rows,
        and no row carries zeros to add up for the columns it has nothing for. Grouped, its
        rows as they are: summed per group once, after the union (decision 0134)."""
        zero: ColumnElement[Any] = literal_column("0")
        if not self.grouped:
            columns = [
                func.sum(values[c]).label(c) if c in values else zero.label(c) for c in COLUMNS
            ]
            return select(currency.label("currency"), *columns).group_by(currency)
        # Every column numeric alike, so PostgreSQL appends the sources in one flat list.
        number: ColumnElement[Any] = literal_column("0::numeric")
        raw = [
            cast(values[c], Numeric).label(c) if c in values else number.label(c) for c in COLUMNS
        ]
        return select(currency.label("currency"), *keys, *raw)

    def allocations(self) -> Any:
        """Allocations alone (index-only), or joined to their invoice when grouped."""
        if not self.grouped:
            return payment_allocations
        return payment_allocations.join(invoices, invoices.c.id == payment_allocations.c.invoice_id)


def _only(condition: ColumnElement[bool], amount: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((condition, amount), else_=0)


def _opening(query: KpiQuery, same_currency: tuple[Any, ...], src: Sources) -> list[Select[Any]]:
    """Receivables at the end of the day before the period, in four parts."""
    day = query.before.day
    allocations = payment_allocations.c
    unpaid = invoices.c.amount - invoices.c.amount_paid
    received_later = and_(allocations.undone_at.is_(None), allocations.received_on > day)
    with_invoice = payment_allocations.join(invoices, invoices.c.id == allocations.invoice_id)
    alloc_currency = () if query.currency is None else (allocations.currency == query.currency,)
    return [
        # What invoices receivable on the day have unpaid now ...
        src.row(invoices.c.currency, opening=unpaid).where(
            invoices.c.status.in_(PAYABLE), invoices.c.issued_on <= day, *same_currency
        ),
        src.row(invoices.c.currency, opening=unpaid).where(
            or_(invoices.c.voided_on > day, invoices.c.written_off_on > day),
            invoices.c.amount_paid < invoices.c.amount,
            live_on(day),
            *same_currency,
        ),
        # ... plus what has been received since (index-only, no join; grouped, it is
        # read in ``_collected`` with the money collected, one pass over the invoices) ...
        *(
            []
            if src.grouped
            else [
                src.row(allocations.currency, opening=allocations.amount)
                .select_from(src.allocations())
                .where(received_later, *alloc_currency)
            ]
        ),
        # ... except on invoices that were not receivable on the day ...
        src.row(allocations.currency, opening=-allocations.amount)
        .select_from(with_invoice)
        .where(
            received_later,
            or_(invoices.c.issued_on > day, closed_by(day)),
            *alloc_currency,
        ),
        # ... less bounced payments that still counted on the day.
        src.row(allocations.currency, opening=-allocations.amount)
        .select_from(with_invoice)
        .where(
            allocations.undone_reason == "reversed",
            allocations.undone_at >= query.before.end,
            allocations.received_on <= day,
            live_on(day),
            *alloc_currency,
        ),
    ]


def _on_time(query: KpiQuery, same_currency: tuple[Any, ...], src: Sources) -> list[Select[Any]]:
    """Invoices falling due in the period: their amounts, and what came in by each due date
    (paid now, less allocations received after the due date, plus bounced payments that
    still counted at the period's end)."""
    last = query.end.day
    allocations = payment_allocations.c
    due = and_(invoices.c.due_date.between(query.start, last), not_voided_by(last), *same_currency)
    with_invoice = payment_allocations.join(invoices, invoices.c.id == allocations.invoice_id)
    return [
        src.row(
            invoices.c.currency,
            falling_due=invoices.c.amount,
            collected_on_time=invoices.c.amount_paid,
        ).where(due),
        src.row(invoices.c.currency, collected_on_time=-allocations.amount)
        .select_from(with_invoice)
        .where(
            due,
            allocations.undone_at.is_(None),
            # Received after a due date in the period: after the day before it, so the
            # index on received_on narrows the allocations first.
            allocations.received_on > query.before.day,
            allocations.received_on > invoices.c.due_date,
        ),
        src.row(invoices.c.currency, collected_on_time=allocations.amount)
        .select_from(with_invoice)
        .where(
            due,
            allocations.undone_reason == "reversed",
            allocations.undone_at >= query.end.end,
            allocations.received_on <= invoices.c.due_date,
        ),
    ]


def _collected(query: KpiQuery, src: Sources, alloc_currency: tuple[Any, ...]) -> list[Any]:
    """Money received in the period that still counts at its end: active allocations
    (index-only) and those of payments that bounced after it. Grouped, every allocation
    source must read its invoice: the opening's money received since the day before the
    period and these are then one pass, so the invoices are joined once."""
    allocations = payment_allocations.c
    active = and_(
        allocations.undone_at.is_(None), allocations.received_on.between(query.start, query.end.day)
    )
    bounced = and_(
        allocations.undone_reason == "reversed",
        allocations.undone_at >= query.end.end,
        allocations.received_on.between(query.start, query.end.day),
    )
    if src.grouped:
        received_later = and_(
            allocations.undone_at.is_(None), allocations.received_on > query.before.day
        )
        return [
            src.row(
                allocations.currency,
                opening=_only(received_later, allocations.amount),
                collected=_only(or_(active, bounced), allocations.amount),
            )
            .select_from(src.allocations())
            .where(or_(received_later, bounced), *alloc_currency)
        ]
    return [
        src.row(allocations.currency, collected=allocations.amount)
        .select_from(src.allocations())
        .where(condition, *alloc_currency)
        for condition in (active, bounced)
    ]


def kpi_statement(query: KpiQuery) -> Select[Any]:
    src = Sources(query.group_by is not GroupBy.NONE)
    last = query.end.day
    same_currency = () if query.currency is None else (invoices.c.currency == query.currency,)
    alloc_currency = (
        () if query.currency is None else (payment_allocations.c.currency == query.currency,)
    )
    closing = receivable_terms(query.end, query.currency, "closing")
    unbilled = unbilled_terms(last, query.unbilled_after_days, query.currency)
    sources = [
        *_opening(query, same_currency, src),
        src.row(
            closing.c.currency,
            (closing.c.customer_id, closing.c.contract_id),
            closing=closing.c.amount,
            closing_current=_only(closing.c.due_date >= last, closing.c.amount),
            disputed=_only(closing.c.disputed_at < query.end.end, closing.c.amount),
            on_hold=_only(closing.c.hold_until >= last, closing.c.amount),
        ).select_from(closing),
        src.row(invoices.c.currency, billed=invoices.c.amount).where(
            invoices.c.issued_on.between(query.start, last), not_voided_by(last), *same_currency
        ),
        *_collected(query, src, alloc_currency),
        *_on_time(query, same_currency, src),
        src.row(
            unbilled.c.currency,
            (unbilled.c.customer_id, unbilled.c.contract_id),
            unbilled=unbilled.c.unbilled,
        ).select_from(unbilled),
    ]
    parts = union_all(*sources).subquery("parts")
    if src.grouped:
        return _grouped(query, parts)
    return (
        select(parts.c.currency, *[func.sum(parts.c[c]).label(c) for c in COLUMNS])
        .group_by(parts.c.currency)
        .order_by(parts.c.currency)
    )


def kpi_sums(row: RowMapping) -> KpiSums:
    currency = row["currency"]
    amounts = {c: exact(row[c], currency) for c in COLUMNS}
    return KpiSums(currency=currency, **amounts)


def _grouped(query: KpiQuery, parts: Subquery) -> Select[Any]:
    """Per group (rolled up by unit) and per currency, as ``aging_statement`` does."""
    source, key = leaf_key(query.group_by, parts, query.end.end)
    sums = [func.sum(parts.c[c]).label(c) for c in COLUMNS]
    agg = leaves_and_totals(source, parts.c.currency, key, sums)
    if query.group_by is GroupBy.ORG_UNIT:
        agg = roll_up(agg, COLUMNS).subquery("rolled")
    return labelled(agg, query.group_by)


def kpi_group_sums(row: RowMapping) -> KpiGroupSums:
    label = None
    if not row["grouped"]:
        label = GroupLabel(row["key"], row["name"], row["parent_id"], row["depth"])
    return KpiGroupSums(label, kpi_sums(row))

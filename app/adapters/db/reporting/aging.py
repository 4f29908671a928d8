"""The ageing report: one statement, buckets as ``SUM(...) FILTER``, group rows and the
per-currency totals from one ``GROUPING SETS`` pass."""

from __future__ import annotations

from datetime import date, timedelta
from functools import reduce
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import Row
from sqlalchemy.sql.elements import Null
from sqlalchemy.sql.selectable import Subquery

from app.adapters.db.receivables.models import contracts, installments, invoices
from app.adapters.db.reporting.asof import (
    exact,
    not_voided_by,
    receivable_terms,
    unbilled_terms,
)
from app.adapters.db.reporting.groups import labelled, leaf_key, leaves_and_totals, roll_up
from app.domain.money import MINOR_UNITS
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
    source, key = leaf_key(query.group_by, rows, query.as_of.end)
    if query.group_by is GroupBy.NONE:
        agg = (
            select(
                rows.c.currency, key.label("key"), literal_column("1").label("grouped"), *buckets
            )
            .select_from(source)
            .group_by(rows.c.currency)
            .subquery("agg")
        )
        return labelled(agg, query.group_by)
    agg = leaves_and_totals(source, rows.c.currency, key, buckets)
    if query.group_by is GroupBy.ORG_UNIT:
        agg = roll_up(agg, [*(b.value for b in BUCKETS), "unbilled"]).subquery("rolled")
    return labelled(agg, query.group_by)


def aging_sums(row: Row[Any]) -> AgingSums:
    """A row of ``aging_statement``: currency, key, grouped, the buckets in order, unbilled,
    name, parent_id, depth (read by position: reports have many rows)."""
    currency, key, grouped, *amounts, unbilled, name, parent_id, depth = tuple(row)
    return AgingSums(
        currency=currency,
        key=key,
        name=name,
        buckets={b: exact(a, currency) for b, a in zip(BUCKETS, amounts, strict=True)},
        is_total=bool(grouped),
        parent_id=parent_id,
        depth=depth,
        unbilled=exact(unbilled, currency),
    )


# --- The answer shaped by PostgreSQL: a report of many groups (ageing by customer: one row
# per customer) is rendered as JSON by the database, in the order and with the fields the
# documents give it (``app/services/reporting/documents.py``), so that no row becomes a
# Python object (decision 0089).

_NO_DECIMALS = [c for c, places in MINOR_UNITS.items() if places == 0]
_THREE_DECIMALS = [c for c, places in MINOR_UNITS.items() if places == 3]
_FOUR_DECIMALS = [c for c, places in MINOR_UNITS.items() if places == 4]


def _places(currency: ColumnElement[Any]) -> ColumnElement[Any]:
    return case(
        (currency.in_(_NO_DECIMALS), 0),
        (currency.in_(_THREE_DECIMALS), 3),
        (currency.in_(_FOUR_DECIMALS), 4),
        else_=2,
    )


def _wire(amount: ColumnElement[Any], places: ColumnElement[Any]) -> ColumnElement[Any]:
    """An amount as ``Money.to_wire`` writes it: the currency's decimals, as text."""
    return cast(func.round(func.coalesce(amount, 0), places), Text)


class _Json:
    """An expression that is already JSON text (an amount in quotes, a nested object)."""

    def __init__(self, text: ColumnElement[Any]) -> None:
        self.text = text


def _text(sql: str) -> ColumnElement[Any]:
    return literal_column("'" + sql.replace("'", "''") + "'", Text)


def _json_value(value: Any) -> ColumnElement[Any]:
    if isinstance(value, _Json):
        return value.text
    if isinstance(value, Null):
        return _text("null")
    return func.coalesce(cast(func.to_json(value), Text), _text("null"))


def _json_object(pairs: list[Any]) -> _Json:
    """``key, value`` pairs as a JSON object's text, by concatenation: cheaper than
    ``json_build_object`` over 20,000 rows, and the same document once parsed."""
    pieces: list[ColumnElement[Any]] = []
    for n, (key, value) in enumerate(zip(pairs[::2], pairs[1::2], strict=True)):
        pieces += [_text(("{" if n == 0 else ",") + f'"{key.value}":'), _json_value(value)]
    pieces.append(_text("}"))
    return _Json(reduce(lambda a, b: a.op("||")(b), pieces))


def _money(amount: ColumnElement[Any], places: ColumnElement[Any]) -> _Json:
    return _Json(_text('"').op("||")(_wire(amount, places)).op("||")(_text('"')))


def _group_fields(group_by: GroupBy, r: Any, total: bool) -> list[Any]:
    """``key, value`` pairs of the fields that name a group (see ``_aging_row``)."""

    def text_of(column: Any) -> Any:
        return null() if total else cast(column, Text)

    fields: list[Any] = [
        literal("customer_id"),
        text_of(r.c.key) if group_by is GroupBy.CUSTOMER else null(),
        literal("customer_name"),
        r.c.name if group_by is GroupBy.CUSTOMER and not total else null(),
        literal("owner"),
        r.c.key if group_by is GroupBy.OWNER and not total else null(),
    ]
    unassigned = literal(False) if total else r.c.key.is_(None)
    if group_by is GroupBy.ORG_UNIT:
        fields += [
            literal("org_unit_id"), text_of(r.c.key),
            literal("org_unit_name"), null() if total else r.c.name,
            literal("parent_id"), text_of(r.c.parent_id),
            literal("depth"), null() if total else r.c.depth,
            literal("unassigned"), unassigned,
        ]  # fmt: skip
    elif group_by is GroupBy.PROJECT:
        fields += [
            literal("project_id"), text_of(r.c.key),
            literal("project_name"), null() if total else r.c.name,
            literal("unassigned"), unassigned,
        ]  # fmt: skip
    return fields


def aging_json_statement(query: AgingQuery) -> Select[str, str]:
    """Two JSON arrays, ``groups`` and ``totals``, as ``aging_document`` writes them: groups
    with anything outstanding, keyed ones first within a currency, shallower units first,
    largest total first, then by name and key (code point order, as Python sorts)."""
    a = aging_statement(query).subquery("a")
    amounts = [func.coalesce(a.c[b.value], 0) for b in BUCKETS]
    # Each row's decimals and total once, not in every expression that reads them
    # (OFFSET 0 keeps PostgreSQL from folding this into the outer query).
    r = (
        select(
            a.c.currency,
            a.c.key,
            a.c.grouped,
            a.c.name,
            a.c.parent_id,
            a.c.depth,
            *[x.label(b.value) for b, x in zip(BUCKETS, amounts, strict=True)],
            func.coalesce(a.c.unbilled, 0).label("unbilled"),
            sum(amounts[1:], amounts[0]).label("total"),
            _places(a.c.currency).label("places"),
        )
        .offset(0)
        .subquery("r")
    )
    places, total, unbilled = r.c.places, r.c.total, r.c.unbilled
    buckets = _json_object(
        [x for b in BUCKETS for x in (literal(b.value), _money(r.c[b.value], places))]
    )
    nonzero = or_(*[r.c[b.value] != 0 for b in BUCKETS], unbilled != 0)

    def row(is_total: bool) -> Any:
        return _json_object([
            literal("currency"), r.c.currency,
            *_group_fields(query.group_by, r, is_total),
            literal("buckets"), buckets,
            literal("total"), _money(total, places),
            literal("unbilled"), _money(unbilled, places),
        ]).text  # fmt: skip

    keyed = query.group_by is not GroupBy.NONE
    order = (
        r.c.currency,
        r.c.key.is_(None),
        func.coalesce(r.c.depth, 0),
        total.desc(),
        func.coalesce(r.c.name, "").collate("C"),
        func.coalesce(cast(r.c.key, Text), "").collate("C"),
    )
    comma = _text(",")
    groups = func.string_agg(row(False), aggregate_order_by(comma, *order)).filter(
        and_(r.c.grouped == 0, nonzero, literal(keyed))
    )
    totals = func.string_agg(row(True), aggregate_order_by(comma, r.c.currency)).filter(
        and_(r.c.grouped == 1, nonzero)
    )
    # concat() skips a null: no row at all is "[]".
    return select(
        func.concat(_text("["), groups, _text("]")).label("groups"),
        func.concat(_text("["), totals, _text("]")).label("totals"),
    )

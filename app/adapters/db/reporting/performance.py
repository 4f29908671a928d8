"""Per-owner performance: one statement, a ``UNION ALL`` of money and count sources summed
per owner and currency (counts carry no currency).

Who a row belongs to: collected and due money, its contract's owner (nobody for an
invoice without a contract); a target, the owner it is scoped to or else its ``owner``,
counted in proportion to the days its period shares with the report's; a task, its
assignee; a promise, the user who recorded its interaction (``X-Actor``), else the owner of
the contract of the invoice it names.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
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
from sqlalchemy.engine import RowMapping

from app.adapters.db.collection.models import interactions, promises, targets, tasks
from app.adapters.db.receivables.models import contracts, invoices, payment_allocations
from app.adapters.db.reporting.asof import counted_on, exact, not_voided_by
from app.adapters.db.reporting.groups import (
    contract_units,
    labelled,
    leaf_key,
    leaf_sums,
    owner_units,
    roll_up,
)
from app.domain.reporting.reports import (
    GroupBy,
    GroupLabel,
    OwnerCounts,
    OwnerMoney,
    OwnerSums,
    in_minor_units,
)
from app.services.reporting.ports import PerformanceQuery

AMOUNTS = ("collected", "target_amount", "falling_due", "collected_on_time")
COUNTS = ("tasks_done", "tasks_overdue", "promises_due", "promises_kept")
SETTLED = ("kept", "partially_kept", "broken")


def _row(
    owner: ColumnElement[Any],
    currency: ColumnElement[Any],
    contract: ColumnElement[Any] | None = None,
    **values: ColumnElement[Any],
) -> Select[Any]:
    """One source, summed per owner, contract (money rows: the contract the money is on,
    which names its project and unit when grouped) and currency by itself (see
    ``kpis.Sources.row``)."""
    zero: ColumnElement[Any] = literal_column("0")
    columns = [
        func.sum(values[c]).label(c) if c in values else zero.label(c) for c in (*AMOUNTS, *COUNTS)
    ]
    contract_id = cast(null(), contracts.c.id.type) if contract is None else contract
    keys = (owner.label("owner"), contract_id.label("contract_id"), currency.label("currency"))
    return select(*keys, *columns).group_by(*keys)


def performance_statement(query: PerformanceQuery) -> Select[Any]:
    parts = performance_parts(query).subquery("parts")
    if query.group_by is GroupBy.NONE:
        return per_owner(parts)
    return _grouped(query, parts, _sums(parts))


def _sums(parts: Any) -> list[Any]:
    return [func.sum(parts.c[c]).label(c) for c in (*AMOUNTS, *COUNTS)]


def per_owner(parts: Any) -> Select[Any]:
    return select(parts.c.owner, parts.c.currency, *_sums(parts)).group_by(
        parts.c.owner, parts.c.currency
    )


def grouped_statement(query: PerformanceQuery, parts: Any) -> Select[Any]:
    """``parts`` (``performance_parts``, e.g. as a CTE read by several groupings) summed
    per org unit or project, as ``performance_statement`` groups them."""
    return _grouped(query, parts, _sums(parts))


def performance_parts(query: PerformanceQuery) -> Any:
    """Every source summed per owner, contract and currency (a ``UNION ALL``), before
    any grouping."""
    first, last = query.start.day, query.end.day
    one: ColumnElement[Any] = literal_column("1")
    no_currency = cast(null(), contracts.c.currency.type)
    same_currency = () if query.currency is None else (invoices.c.currency == query.currency,)
    owned = invoices.outerjoin(contracts, contracts.c.id == invoices.c.contract_id)
    allocated = payment_allocations.join(owned, invoices.c.id == payment_allocations.c.invoice_id)
    overlap = func.least(targets.c.period_end, last) - func.greatest(targets.c.period_start, first)
    period = targets.c.period_end - targets.c.period_start + 1
    target_currency = () if query.currency is None else (targets.c.currency == query.currency,)
    completed_on = cast(func.timezone(query.zone, tasks.c.completed_at), Date)
    promise_owner = func.coalesce(interactions.c.recorded_by_user, contracts.c.owner)
    promised = promises.join(
        interactions, interactions.c.id == promises.c.interaction_id
    ).outerjoin(owned, invoices.c.id == promises.c.invoice_id)
    sources = [
        _row(
            contracts.c.owner,
            invoices.c.currency,
            invoices.c.contract_id,
            collected=payment_allocations.c.amount,
        )
        .select_from(allocated)
        .where(
            payment_allocations.c.received_on >= first,
            counted_on(query.end),
            invoices.c.issued_on <= last,
            *same_currency,
        ),
        _row(
            func.coalesce(targets.c.scope_owner, targets.c.owner),
            targets.c.currency,
            target_amount=targets.c.amount * (overlap + 1) / period,
        ).where(targets.c.period_start <= last, targets.c.period_end >= first, *target_currency),
        _row(
            contracts.c.owner,
            invoices.c.currency,
            invoices.c.contract_id,
            falling_due=invoices.c.amount,
        )
        .select_from(owned)
        .where(invoices.c.due_date.between(first, last), not_voided_by(last), *same_currency),
        _row(
            contracts.c.owner,
            invoices.c.currency,
            invoices.c.contract_id,
            collected_on_time=payment_allocations.c.amount,
        )
        .select_from(allocated)
        .where(
            invoices.c.due_date.between(first, last),
            not_voided_by(last),
            counted_on(query.end),
            payment_allocations.c.received_on <= invoices.c.due_date,
            *same_currency,
        ),
        _row(tasks.c.assignee, no_currency, tasks_done=one).where(
            tasks.c.status == "done",
            tasks.c.completed_at >= query.period_start_at,
            tasks.c.completed_at < query.end.end,
        ),
        _row(tasks.c.assignee, no_currency, tasks_overdue=one).where(
            tasks.c.status != "cancelled",
            tasks.c.due_date >= first,
            tasks.c.due_date <= last,
            tasks.c.due_date < query.today,
            or_(tasks.c.completed_at.is_(None), completed_on > tasks.c.due_date),
        ),
        _row(
            promise_owner,
            no_currency,
            promises_due=one,
            promises_kept=case((promises.c.status == "kept", 1), else_=0),
        )
        .select_from(promised)
        .where(
            promises.c.promised_date.between(first, last),
            promises.c.status.in_(SETTLED),
            *(() if query.currency is None else (promises.c.currency == query.currency,)),
        ),
    ]
    return union_all(*sources)


def _grouped(query: PerformanceQuery, parts: Any, sums: list[Any]) -> Select[Any]:
    """Money by its contract's project or unit; counts (tasks, promises) and targets by
    their owner's unit (by project: unassigned)."""
    if query.group_by is GroupBy.PROJECT:
        source: Any = parts.outerjoin(contracts, contracts.c.id == parts.c.contract_id)
        key: ColumnElement[Any] = contracts.c.project_id
    elif query.group_by is GroupBy.ORG_UNIT:
        by_contract, by_owner = contract_units(query.end.end), owner_units(query.end.end)
        source = parts.outerjoin(
            by_contract, by_contract.c.contract_id == parts.c.contract_id
        ).outerjoin(by_owner, by_owner.c.user_id == parts.c.owner)
        key = case(
            (parts.c.contract_id.is_not(None), by_contract.c.unit_id), else_=by_owner.c.unit_id
        )
    else:
        source, key = leaf_key(query.group_by, parts, query.end.end)
    agg = leaf_sums(
        select(parts.c.currency, key.label("key"), literal(0).label("grouped"), *sums)
        .select_from(source)
        .group_by(parts.c.currency, key),
        query.group_by,
    )
    if query.group_by is GroupBy.ORG_UNIT:
        agg = roll_up(agg, (*AMOUNTS, *COUNTS)).subquery("rolled")
    return labelled(agg, query.group_by)


def group_sums(
    rows: list[RowMapping] | list[dict[str, Any]],
) -> list[tuple[GroupLabel, OwnerSums]]:
    """Grouped rows as owner sums, the group's key standing for the owner."""
    labels = {
        row["key"]: GroupLabel(row["key"], row["name"], row["parent_id"], row["depth"])
        for row in rows
    }
    found = owner_sums([{**row, "owner": row["key"]} for row in rows])
    return [(labels[s.owner], s) for s in found]


def owner_sums(rows: list[RowMapping] | list[dict[str, Any]]) -> list[OwnerSums]:
    money: dict[str | None, list[OwnerMoney]] = {}
    counts: dict[str | None, OwnerCounts] = {}
    for row in rows:
        owner, currency = row["owner"], row["currency"]
        if currency is None:
            counts[owner] = OwnerCounts(*(int(row[c] or 0) for c in COUNTS))
            continue
        money.setdefault(owner, []).append(
            OwnerMoney(
                currency=currency,
                collected=exact(row["collected"], currency),
                target_amount=in_minor_units(row["target_amount"] or Decimal(0), currency),
                falling_due=exact(row["falling_due"], currency),
                collected_on_time=exact(row["collected_on_time"], currency),
            )
        )
    owners = set(money) | set(counts)
    return [OwnerSums(o, money.get(o, []), counts.get(o, OwnerCounts())) for o in owners]

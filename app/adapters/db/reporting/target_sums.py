"""Progress sums of many targets at once, for the progress review.

``TargetQueries.progress_sums`` plans one sub-select per target: right for a page of
targets, but a review of a period holding hundreds (one per owner) spends seconds on them.
Here each scope kind is one statement summing per scope key, currency and day over the
span of all the periods; each target then adds up the days of its own period. The rules are
``collected_source`` and ``planned_source``'s (app/adapters/db/collection/targets.py):
org and customer targets count payments received and not reversed, contract and owner
targets active allocations; the plan is the live installments in scope falling due.
tests/e2e/test_progress_review.py holds the results to the targets' own progress.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, FromClause, Select, func, literal, select

from app.adapters.db.collection.targets import SqlTargetQueries
from app.adapters.db.connection import Executor
from app.adapters.db.receivables.models import (
    contracts,
    installments,
    invoices,
    payment_allocations,
    payments,
)
from app.domain.collection.targets import ProgressSums, Target, TargetScope
from app.domain.money import Money
from app.services.reporting.ports import DailyProgress, TargetSums

GROUPED = (TargetScope.ORG, TargetScope.CUSTOMER, TargetScope.CONTRACT, TargetScope.OWNER)
Key = tuple[str, str, object]  # (scope kind, currency, scope key)
Daily1 = dict[date, Money]  # one target's sums per day
Daily = dict[Key, list[tuple[date, Decimal]]]


def _grouped(
    kind: TargetScope,
    key: ColumnElement[Any] | None,
    keys: list[Any],
    from_: FromClause,
    amount: ColumnElement[Any],
    day: ColumnElement[Any],
    currency: ColumnElement[Any],
    where: list[ColumnElement[bool]],
) -> Select[Any]:
    label = literal(None) if key is None else key
    conditions = list(where)
    if key is not None:
        conditions.append(key.in_(keys))
    columns = [literal(kind.value).label("kind"), currency.label("currency"), label.label("key")]
    group = [currency, day] if key is None else [key, currency, day]
    return (
        select(*columns, day.label("day"), func.sum(amount).label("amount"))
        .select_from(from_)
        .where(*conditions)
        .group_by(*group)
    )


def _collected(kind: TargetScope, keys: list[Any], low: date, high: date) -> Select[Any]:
    if kind in (TargetScope.ORG, TargetScope.CUSTOMER):
        key = payments.c.customer_id if kind is TargetScope.CUSTOMER else None
        return _grouped(
            kind, key, keys, payments, payments.c.amount, payments.c.received_on,
            payments.c.currency,
            [payments.c.reversed_at.is_(None), payments.c.received_on.between(low, high)],
        )  # fmt: skip
    joined: FromClause = payment_allocations.join(
        invoices, invoices.c.id == payment_allocations.c.invoice_id
    )
    if kind is TargetScope.CONTRACT:
        key = invoices.c.contract_id
    else:
        joined = joined.join(contracts, contracts.c.id == invoices.c.contract_id)
        key = contracts.c.owner
    return _grouped(
        kind, key, keys, joined, payment_allocations.c.amount, payment_allocations.c.received_on,
        payment_allocations.c.currency,
        [
            payment_allocations.c.undone_at.is_(None),
            payment_allocations.c.received_on.between(low, high),
        ],
    )  # fmt: skip


def _planned(kind: TargetScope, keys: list[Any], low: date, high: date) -> Select[Any]:
    key = {
        TargetScope.ORG: None,
        TargetScope.CUSTOMER: contracts.c.customer_id,
        TargetScope.CONTRACT: contracts.c.id,
        TargetScope.OWNER: contracts.c.owner,
    }[kind]
    joined = installments.join(contracts, contracts.c.id == installments.c.contract_id)
    return _grouped(
        kind, key, keys, joined, installments.c.amount, installments.c.due_date,
        installments.c.currency,
        [installments.c.removed_at.is_(None), installments.c.due_date.between(low, high)],
    )  # fmt: skip


def _key(target: Target) -> Key:
    scope_key = None if target.scope is TargetScope.ORG else target.scope_id
    return (target.scope.value, target.currency, scope_key)


async def _daily(conn: Executor, statements: list[Select[Any]]) -> Daily:
    found: Daily = defaultdict(list)
    for statement in statements:
        for row in (await conn.execute(statement)).mappings():
            key = (row["kind"], row["currency"], row["key"])
            found[key].append((row["day"], row["amount"]))
    return found


def _between(days: list[tuple[date, Decimal]], first: date, last: date) -> Decimal:
    return sum((amount for day, amount in days if first <= day <= last), Decimal(0))


def _days(days: list[tuple[date, Decimal]], first: date, last: date, currency: str) -> Daily1:
    found: Daily1 = {}
    for day, amount in days:
        if first <= day <= last:
            found[day] = found.get(day, Money.zero(currency)) + Money.of(amount, currency)
    return found


async def many_progress_sums(conn: Executor, targets: Sequence[Target], today: date) -> TargetSums:
    """``progress_sums`` for every target given, one statement per scope kind and source;
    targets of other scopes (org units, projects) through the targets' own query. The
    targets summed per day also get their days (their progress curves need no more)."""
    others = [t for t in targets if t.scope not in GROUPED]
    found = dict(await SqlTargetQueries(conn).progress_sums(others, today)) if others else {}
    targets = [t for t in targets if t.scope in GROUPED]
    daily: dict[UUID, DailyProgress] = {}
    if not targets:
        return TargetSums(found, daily)
    low = min(t.period_start for t in targets)
    high = max(t.period_end for t in targets)
    kinds: dict[TargetScope, list[Any]] = defaultdict(list)
    for target in targets:
        kinds[target.scope].append(target.scope_id)
    collected = await _daily(conn, [_collected(k, keys, low, high) for k, keys in kinds.items()])
    planned = await _daily(conn, [_planned(k, keys, low, high) for k, keys in kinds.items()])
    for target in targets:
        key, currency = _key(target), target.currency
        first, last = target.period_start, target.period_end
        before_today = min(last, date.fromordinal(today.toordinal() - 1))
        found[target.id] = ProgressSums(
            collected=Money.of(_between(collected.get(key, []), first, last), currency),
            planned_in_period=Money.of(_between(planned.get(key, []), first, last), currency),
            planned_to_date=Money.of(_between(planned.get(key, []), first, before_today), currency),
        )
        daily[target.id] = DailyProgress(
            collected=_days(collected.get(key, []), first, last, currency),
            planned=_days(planned.get(key, []), first, last, currency),
        )
    return TargetSums(found, daily)

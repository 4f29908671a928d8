"""What the progress review reads beyond the reports (``ReviewQueries``): the targets of the
period, overdue movement, promise and risk flag sums, and the top customers' next actions.
The review's other sections reuse the reports' statements (ageing, KPIs, forecast,
performance), never a second implementation of them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.engine import RowMapping

from app.adapters.db.collection.models import interactions, promises, risk_flags, tasks
from app.adapters.db.collection.models import targets as target_table
from app.adapters.db.collection.targets import target_from_row
from app.adapters.db.connection import Executor
from app.adapters.db.receivables.models import contracts, invoices, payment_allocations
from app.adapters.db.receivables.statuses import PAYABLE
from app.adapters.db.reporting.aging import aging_sums
from app.adapters.db.reporting.asof import counted_on, exact, receivable_terms
from app.adapters.db.reporting.groups import contract_units, owner_units
from app.adapters.db.reporting.review_reads import largest_overdue_statement, performance_sums
from app.adapters.db.reporting.target_sums import many_progress_sums
from app.domain.collection.promises import PromiseStatus
from app.domain.collection.risk import RiskStatus
from app.domain.collection.targets import Target
from app.domain.collection.tasks import OPEN_STATUS_ORDER
from app.domain.money import Money
from app.domain.reporting.reports import AgingSums
from app.services.reporting.ports import (
    AgingQuery,
    CurrencySums,
    NextAction,
    PerformanceQuery,
    PerformanceSums,
    ReviewQuery,
    TargetSums,
)

OPEN_PROMISES = (PromiseStatus.OPEN.value, PromiseStatus.PARTIALLY_KEPT.value)
OPEN_TASKS = tuple(s.value for s in OPEN_STATUS_ORDER)
_REPEATABLE_READ = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+-[0-9]+")


def _currency_sums(rows: Sequence[RowMapping], money: Sequence[str]) -> list[CurrencySums]:
    found: dict[str, CurrencySums] = {}
    for row in rows:
        currency = row["key"]
        sums = found.setdefault(currency, CurrencySums(currency, {}, {}))
        for name in money:
            if row[name] is not None:
                total = sums.money.get(name, Money.zero(currency))
                sums.money[name] = total + exact(row[name], currency)
        for name, value in row.items():
            if name.startswith("n_") and value is not None:
                sums.counts[name[2:]] = sums.counts.get(name[2:], 0) + int(value)
    return [found[c] for c in sorted(found)]


class SqlReviewQueries:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def snapshot(self) -> str:
        """This transaction (before its first query) reads one snapshot, exported for the
        sections' own transactions to join (decision 0136)."""
        await self.conn.execute(text(_REPEATABLE_READ))
        exported = await self.conn.execute(text("SELECT pg_export_snapshot()"))
        return str(exported.scalar_one())

    async def join(self, snapshot: str) -> None:
        if not _SNAPSHOT_ID.fullmatch(snapshot):  # it goes into SQL as a literal
            raise ValueError(f"not a snapshot id: {snapshot!r}")
        await self.conn.execute(text(_REPEATABLE_READ))
        await self.conn.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))

    async def unit_contracts(self, query: ReviewQuery) -> frozenset[UUID]:
        assert query.units is not None
        placed = contract_units(query.end.end)
        statement = select(placed.c.contract_id).where(placed.c.unit_id.in_(query.units))
        return frozenset((await self.conn.execute(statement)).scalars())

    async def targets_in(self, query: ReviewQuery) -> Sequence[Target]:
        # The review's first statement: JIT off for the whole pack, as for every report
        # (the targets' progress sums are one large UNION that JIT would compile for seconds).
        await self.conn.execute(text("SET LOCAL jit = off"))
        statement = (
            select(target_table)
            .where(
                target_table.c.period_start <= query.end.day,
                target_table.c.period_end >= query.start.day,
                *_same(target_table.c.currency, query.currency),
            )
            .order_by(target_table.c.amount.desc(), target_table.c.id)
        )
        return [target_from_row(r) for r in (await self.conn.execute(statement)).mappings()]

    async def progress_sums(self, targets: Sequence[Target], today: date) -> TargetSums:
        return await many_progress_sums(self.conn, targets, today)

    async def overdue_movement(self, query: ReviewQuery) -> Sequence[CurrencySums]:
        terms = receivable_terms(query.end, query.currency)
        # Overdue on day D means due before D: what was due from the day before the period
        # to the day before its end fell overdue during it.
        fell_due = and_(
            terms.c.due_date >= query.start.day - timedelta(days=1),
            terms.c.due_date < query.end.day,
        )
        owed: FromClause = terms
        paid: FromClause = payment_allocations.join(
            invoices, invoices.c.id == payment_allocations.c.invoice_id
        )
        in_units: list[ColumnElement[bool]] = []
        if query.units is not None:  # the unit of each invoice's contract, as at the end
            units = contract_units(query.end.end).element
            owned, held = units.subquery("owed_units"), units.subquery("paid_units")
            owed = terms.join(owned, owned.c.contract_id == terms.c.contract_id)
            paid = paid.join(held, held.c.contract_id == invoices.c.contract_id)
            in_units = [owned.c.unit_id.in_(query.units), held.c.unit_id.in_(query.units)]
        new_overdue = (
            select(
                terms.c.currency.label("key"),
                func.sum(terms.c.amount).label("new_overdue"),
                literal(None).label("recovered"),
            )
            .select_from(owed)
            .where(fell_due, *in_units[:1])
            .group_by(terms.c.currency)
        )
        recovered = (
            select(
                invoices.c.currency.label("key"),
                literal(None).label("new_overdue"),
                func.sum(payment_allocations.c.amount).label("recovered"),
            )
            .select_from(paid)
            .where(
                payment_allocations.c.received_on >= query.start.day,
                counted_on(query.end),
                payment_allocations.c.received_on > invoices.c.due_date,
                *_same(invoices.c.currency, query.currency),
                *in_units[1:],
            )
            .group_by(invoices.c.currency)
        )
        rows = (await self.conn.execute(union_all(new_overdue, recovered))).mappings().all()
        return _currency_sums(rows, ("new_overdue", "recovered"))

    async def promise_sums(self, query: ReviewQuery) -> Sequence[CurrencySums]:
        first, last = query.start.day, query.end.day
        due = promises.c.promised_date.between(first, last)
        status = promises.c.status

        def count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
            return func.count().filter(condition)

        def total(value: ColumnElement[Any], condition: ColumnElement[bool]) -> Any:
            return func.sum(value).filter(condition)

        made = promises.c.made_on.between(first, last)
        kept = and_(due, status == PromiseStatus.KEPT.value)
        partly = and_(due, status == PromiseStatus.PARTIALLY_KEPT.value)
        broken = and_(due, status == PromiseStatus.BROKEN.value)
        still_open = and_(due, status == PromiseStatus.OPEN.value)
        unpaid = promises.c.amount - promises.c.paid_amount
        statement = (
            select(
                promises.c.currency.label("key"),
                count(made).label("n_made"),
                total(promises.c.amount, made).label("made"),
                count(due).label("n_due"),
                total(promises.c.amount, due).label("due"),
                count(kept).label("n_kept"),
                total(promises.c.amount, kept).label("kept"),
                count(partly).label("n_partially_kept"),
                total(promises.c.paid_amount, partly).label("partially_kept"),
                count(broken).label("n_broken"),
                total(unpaid, broken).label("broken"),
                count(still_open).label("n_open"),
            )
            .where(made | due, *_same(promises.c.currency, query.currency))
            .group_by(promises.c.currency)
        )
        if query.units is not None:
            # A promise is work: the unit (as at the end) of its recorder, else of the owner
            # of its invoice's contract, as the organisation's reports place it.
            placed = owner_units(query.end.end).element
            recorder, owner = placed.subquery("recorder_units"), placed.subquery("owner_units")
            source = (
                promises.join(interactions, interactions.c.id == promises.c.interaction_id)
                .outerjoin(invoices, invoices.c.id == promises.c.invoice_id)
                .outerjoin(contracts, contracts.c.id == invoices.c.contract_id)
                .outerjoin(recorder, recorder.c.user_id == interactions.c.recorded_by_user)
                .outerjoin(owner, owner.c.user_id == contracts.c.owner)
            )
            unit = func.coalesce(recorder.c.unit_id, owner.c.unit_id)
            statement = statement.select_from(source).where(unit.in_(query.units))
        rows = (await self.conn.execute(statement)).mappings().all()
        return _currency_sums(rows, ("made", "due", "kept", "partially_kept", "broken"))

    async def risk_flag_counts(self, query: ReviewQuery) -> Sequence[CurrencySums]:
        begins, ends = query.starts_at, query.end.end
        created = risk_flags.c.created_at
        closed_at = risk_flags.c.resolved_at
        closed_in = and_(closed_at >= begins, closed_at < ends)
        statement = (
            select(
                risk_flags.c.kind.label("key"),
                func.count().filter(and_(created >= begins, created < ends)).label("n_opened"),
                func.count()
                .filter(closed_in, risk_flags.c.status == RiskStatus.RESOLVED.value)
                .label("n_resolved"),
                func.count()
                .filter(closed_in, risk_flags.c.status == RiskStatus.DISMISSED.value)
                .label("n_dismissed"),
                func.count()
                .filter(created < ends, (closed_at.is_(None)) | (closed_at >= ends))
                .label("n_open_at_end"),
            )
            .where(created < ends, (closed_at.is_(None)) | (closed_at >= begins))
            .group_by(risk_flags.c.kind)
        )
        if query.units is not None:
            # A flag is work: the unit (as at the end) of the person who owns it.
            placed = owner_units(query.end.end)
            statement = statement.select_from(
                risk_flags.join(placed, placed.c.user_id == risk_flags.c.owner)
            ).where(placed.c.unit_id.in_(query.units))
        rows = (await self.conn.execute(statement)).mappings().all()
        return _currency_sums(rows, ())

    async def largest_overdue(
        self, query: AgingQuery, limit: int, units: Sequence[UUID] | None = None
    ) -> Sequence[AgingSums]:
        await self.conn.execute(text("SET LOCAL jit = off"))
        statement = largest_overdue_statement(query, limit, units)
        return [aging_sums(row) for row in await self.conn.execute(statement)]

    async def performance(self, query: PerformanceQuery) -> PerformanceSums:
        await self.conn.execute(text("SET LOCAL jit = off"))
        return await performance_sums(self.conn, query)

    async def next_actions(
        self, customer_ids: Sequence[UUID], today: date
    ) -> dict[UUID, NextAction]:
        if not customer_ids:
            return {}
        ids = list(customer_ids)
        overdue = func.sum(invoices.c.amount - invoices.c.amount_paid)
        owners: Select[Any] = (
            select(invoices.c.customer_id, contracts.c.owner)
            .select_from(invoices.join(contracts, contracts.c.id == invoices.c.contract_id))
            .where(
                invoices.c.customer_id.in_(ids),
                invoices.c.status.in_(PAYABLE),
                invoices.c.due_date < today,
            )
            .group_by(invoices.c.customer_id, contracts.c.owner)
            .order_by(invoices.c.customer_id, overdue.desc(), contracts.c.owner)
            .ext(distinct_on(invoices.c.customer_id))
        )
        first_task = (
            select(tasks.c.customer_id, tasks.c.title, tasks.c.due_date, tasks.c.assignee)
            .where(tasks.c.customer_id.in_(ids), tasks.c.status.in_(OPEN_TASKS))
            .order_by(tasks.c.customer_id, tasks.c.due_date.asc().nulls_last(), tasks.c.created_at)
            .ext(distinct_on(tasks.c.customer_id))
        )
        first_promise = (
            select(
                promises.c.customer_id,
                promises.c.promised_date,
                (promises.c.amount - promises.c.paid_amount).label("amount"),
                promises.c.currency,
            )
            .where(promises.c.customer_id.in_(ids), promises.c.status.in_(OPEN_PROMISES))
            .order_by(promises.c.customer_id, promises.c.promised_date, promises.c.created_at)
            .ext(distinct_on(promises.c.customer_id))
        )
        owner_of = {r[0]: r[1] for r in await self.conn.execute(owners)}
        task_of = {r["customer_id"]: r for r in (await self.conn.execute(first_task)).mappings()}
        promise_of = {
            r["customer_id"]: r for r in (await self.conn.execute(first_promise)).mappings()
        }
        found = {}
        for customer_id in ids:
            task, promise = task_of.get(customer_id), promise_of.get(customer_id)
            found[customer_id] = NextAction(
                customer_id=customer_id,
                owner=owner_of.get(customer_id),
                task_title=task["title"] if task else None,
                task_due=task["due_date"] if task else None,
                task_assignee=task["assignee"] if task else None,
                promised_date=promise["promised_date"] if promise else None,
                promised_amount=exact(promise["amount"], promise["currency"]) if promise else None,
            )
        return found


def _same(column: ColumnElement[Any], currency: str | None) -> tuple[ColumnElement[bool], ...]:
    return () if currency is None else (column == currency,)

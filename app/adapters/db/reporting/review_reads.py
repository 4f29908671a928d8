"""The progress review's shared reads (decision 0137): the ageing at the period's end with
its largest overdue customers in one statement (or a unit's customers), and the
performance report's three groupings from one pass over its sources."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any
from uuid import UUID

from sqlalchemy import Integer, Select, Text, cast, func, literal, null, or_, select, union_all
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.sql.selectable import Subquery

from app.adapters.db.connection import Executor
from app.adapters.db.reporting.aging import aging_statement, bucket_condition
from app.adapters.db.reporting.asof import receivable_terms
from app.adapters.db.reporting.groups import contract_units, labelled
from app.adapters.db.reporting.performance import (
    AMOUNTS,
    COUNTS,
    group_sums,
    grouped_statement,
    owner_sums,
    per_owner,
    performance_parts,
)
from app.domain.reporting.reports import BUCKET_DAYS, BUCKETS, AgingBucket, GroupBy
from app.services.reporting.ports import AgingQuery, PerformanceQuery, PerformanceSums


def largest_overdue_statement(
    query: AgingQuery, limit: int, units: Sequence[UUID] | None
) -> Select[Any]:
    """The whole book: the ageing report's own statement by customer, its per-currency
    totals kept and its customers cut to the ``limit`` largest overdue per currency by
    PostgreSQL (shaping all of a big book's customers costs a second). With ``units``,
    the unit's customers only (``_unit_aging``), no totals."""
    aged = aging_statement(query).subquery("aged") if units is None else _unit_aging(query, units)
    overdue = sum(
        (func.coalesce(aged.c[b.value], 0) for b in BUCKETS if b is not AgingBucket.CURRENT),
        literal(0),
    )
    ranked = select(
        aged,
        func.row_number()
        .over(partition_by=(aged.c.grouped, aged.c.currency), order_by=(overdue.desc(), aged.c.key))
        .label("rank"),
    ).where(or_(aged.c.grouped == 1, overdue > 0))
    top = ranked.subquery("top")
    columns = [c for c in top.c if c.name != "rank"]
    return (
        select(*columns)
        .where(or_(top.c.grouped == 1, top.c.rank <= limit))
        .order_by(top.c.currency, top.c.grouped.desc(), top.c.rank)
    )


def _unit_aging(query: AgingQuery, units: Sequence[UUID]) -> Subquery:
    """Per customer, the ageing's buckets of the money on contracts whose unit (as at the
    day's end, ``contract_units``) is one of ``units``: the ageing report's receivable terms
    and bucket bounds, only the unit's rows. No totals (the unit's are its ageing row)."""
    day = query.as_of.day
    terms = receivable_terms(query.as_of, query.currency)
    placed = contract_units(query.as_of.end)
    buckets = [
        func.sum(terms.c.amount).filter(bucket_condition(terms.c.due_date, day, low, high))
        for _, low, high in BUCKET_DAYS
    ]
    agg = (
        select(
            terms.c.currency,
            terms.c.customer_id.label("key"),
            literal(0).label("grouped"),
            *[b.label(bucket.value) for b, bucket in zip(buckets, BUCKETS, strict=True)],
            literal(0).label("unbilled"),
        )
        .select_from(terms.join(placed, placed.c.contract_id == terms.c.contract_id))
        .where(placed.c.unit_id.in_(list(units)))
        .group_by(terms.c.currency, terms.c.customer_id)
        .subquery("agg")
    )
    return labelled(agg, GroupBy.CUSTOMER).subquery("aged")


async def performance_sums(conn: Executor, query: PerformanceQuery) -> PerformanceSums:
    """Performance per owner, per org unit and per project in one statement: the sources
    (``performance_parts``) summed once as a CTE, then grouped three ways."""
    parts = performance_parts(query).cte("parts")  # read by the three groupings
    values = (*AMOUNTS, *COUNTS)
    owners = per_owner(parts).subquery("owners")
    branches = [
        select(
            literal("owner").label("part"),
            owners.c.owner.label("key"),
            cast(null(), Text).label("name"),
            cast(null(), PgUUID(as_uuid=True)).label("parent_id"),
            cast(null(), Integer).label("depth"),
            owners.c.currency,
            *[owners.c[v] for v in values],
        )
    ]
    for group_by in (GroupBy.ORG_UNIT, GroupBy.PROJECT):
        grouped = grouped_statement(replace(query, group_by=group_by), parts)
        g = grouped.subquery(f"by_{group_by.value}")
        branches.append(
            select(
                literal(group_by.value).label("part"),
                cast(g.c.key, Text).label("key"),
                g.c.name,
                g.c.parent_id,
                g.c.depth,
                g.c.currency,
                *[g.c[v] for v in values],
            )
        )
    found: dict[str, list[dict[str, Any]]] = {"owner": [], "org_unit": [], "project": []}
    for row in (await conn.execute(union_all(*branches))).mappings():
        part, key = row["part"], row["key"]
        if part == "owner":
            found[part].append({**row, "owner": key})
        else:
            found[part].append({**row, "key": None if key is None else UUID(key)})
    return PerformanceSums(
        owner_sums(found["owner"]), group_sums(found["org_unit"]), group_sums(found["project"])
    )

"""Report groups: which key a row of money belongs to, and the org units' roll-up.

Money belongs to the unit of its contract's project when that project has one, else to
the unit of its owner's person record (``app/domain/organisation/rollup.py``), each as the
assignments stood at the end of the report's day (``person_assignments``,
``project_assignments``). A report grouped by unit first sums per leaf unit, then joins
the closure table once: every unit's row includes its descendants'. Money with neither a
project unit nor a placed owner is the ``unassigned`` row (key null), so the root units'
rows plus that row add up to the whole book.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Select,
    Text,
    and_,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.selectable import Subquery

from app.adapters.db.customers.models import customers
from app.adapters.db.organisation.models import (
    org_unit_closure,
    org_units,
    person_assignments,
    project_assignments,
    projects,
)
from app.adapters.db.receivables.models import contracts
from app.domain.reporting.reports import GroupBy


def _in_effect(table: Any, end: datetime) -> ColumnElement[bool]:
    return and_(table.c.valid_from < end, or_(table.c.valid_to.is_(None), table.c.valid_to >= end))


def contract_units(end: datetime) -> Subquery:
    """Each contract's unit at ``end`` (null: unassigned)."""
    pa, pe = project_assignments.alias("pa"), person_assignments.alias("pe")
    return (
        select(
            contracts.c.id.label("contract_id"),
            func.coalesce(pa.c.org_unit_id, pe.c.org_unit_id).label("unit_id"),
        )
        .select_from(
            contracts.outerjoin(
                pa, and_(pa.c.project_id == contracts.c.project_id, _in_effect(pa, end))
            ).outerjoin(pe, and_(pe.c.user_id == contracts.c.owner, _in_effect(pe, end)))
        )
        .subquery("contract_units")
    )


def owner_units(end: datetime) -> Subquery:
    """Each placed person's unit at ``end``: for work that has an owner but no contract."""
    return (
        select(person_assignments.c.user_id, person_assignments.c.org_unit_id.label("unit_id"))
        .where(_in_effect(person_assignments, end))
        .subquery("owner_units")
    )


def leaf_key(
    group_by: GroupBy, rows: FromClause, end: datetime
) -> tuple[FromClause, ColumnElement[Any]]:
    """The source joined to what names each row's group, and that group's key (before the
    roll-up). ``rows`` has ``customer_id`` and ``contract_id`` columns."""
    if group_by is GroupBy.CUSTOMER:
        return rows, rows.c.customer_id
    if group_by is GroupBy.ORG_UNIT:
        units = contract_units(end)
        return rows.outerjoin(units, units.c.contract_id == rows.c.contract_id), units.c.unit_id
    joined = rows.outerjoin(contracts, contracts.c.id == rows.c.contract_id)
    if group_by is GroupBy.OWNER:
        return joined, contracts.c.owner
    if group_by is GroupBy.PROJECT:
        return joined, contracts.c.project_id
    return rows, null()


def leaf_sums(aggregated: Select[Any], group_by: GroupBy) -> Any:
    """The per-leaf aggregate as a CTE when it is rolled up (the roll-up reads it twice,
    and a subquery would be computed twice), else as a subquery."""
    if group_by is GroupBy.ORG_UNIT:
        return aggregated.cte("agg")
    return aggregated.subquery("agg")


def leaves_and_totals(
    source: FromClause,
    currency: ColumnElement[Any],
    key: ColumnElement[Any],
    sums: Sequence[ColumnElement[Any]],
) -> Any:
    """``source`` summed (``sums``, labelled aggregates) per currency and group (``grouped``
    0) and per currency (``grouped`` 1, key null): the groups by one hashed ``GROUP BY``,
    the totals from those few rows. (``GROUPING SETS`` sorts every row first, to disk when
    there are many; decision 0134.)"""
    leaves = (
        select(currency.label("currency"), key.label("key"), literal(0).label("grouped"), *sums)
        .select_from(source)
        .group_by(currency, key)
        .cte("leaves")
    )
    names = [s.name for s in sums]
    totals = select(
        leaves.c.currency,
        null().label("key"),
        literal(1).label("grouped"),
        *[func.sum(leaves.c[n]).label(n) for n in names],
    ).group_by(leaves.c.currency)
    return union_all(select(leaves), totals).cte("agg")


def roll_up(agg: Any, values: Sequence[str]) -> Select[Any]:
    """Leaf units' rows (``currency, key, grouped, *values``) summed into every ancestor;
    totals (``grouped`` 1) and the unassigned row (key null) pass through."""
    units = (
        select(
            agg.c.currency,
            org_unit_closure.c.ancestor_id.label("key"),
            literal(0).label("grouped"),
            *[func.sum(agg.c[v]).label(v) for v in values],
        )
        .select_from(agg.join(org_unit_closure, org_unit_closure.c.descendant_id == agg.c.key))
        .where(agg.c.grouped == 0)
        .group_by(agg.c.currency, org_unit_closure.c.ancestor_id)
    )
    rest = select(agg.c.currency, agg.c.key, agg.c.grouped, *[agg.c[v] for v in values]).where(
        or_(agg.c.grouped == 1, agg.c.key.is_(None))
    )
    return union_all(units, rest)  # type: ignore[return-value]


# Typed nulls: an untyped NULL in a subquery is text to PostgreSQL.
_NO_PARENT: ColumnElement[Any] = cast(null(), org_units.c.id.type)
_NO_DEPTH: ColumnElement[Any] = cast(null(), Integer)


def labelled(agg: Any, group_by: GroupBy) -> Select[Any]:
    """``agg`` with each group's ``name``, ``parent_id`` and ``depth`` (a root unit is at
    depth 1; null but for units)."""
    if group_by is GroupBy.CUSTOMER:
        source = agg.outerjoin(customers, customers.c.id == agg.c.key)
        return select(
            agg, customers.c.name, _NO_PARENT.label("parent_id"), _NO_DEPTH.label("depth")
        ).select_from(source)
    if group_by is GroupBy.PROJECT:
        source = agg.outerjoin(projects, projects.c.id == agg.c.key)
        return select(
            agg, projects.c.name, _NO_PARENT.label("parent_id"), _NO_DEPTH.label("depth")
        ).select_from(source)
    if group_by is GroupBy.ORG_UNIT:
        levels = (
            select(org_unit_closure.c.descendant_id, func.count().label("depth"))
            .group_by(org_unit_closure.c.descendant_id)
            .subquery("levels")
        )
        source = agg.outerjoin(org_units, org_units.c.id == agg.c.key).outerjoin(
            levels, levels.c.descendant_id == agg.c.key
        )
        return select(agg, org_units.c.name, org_units.c.parent_id, levels.c.depth).select_from(
            source
        )
    name = cast(null(), Text).label("name")
    return select(agg, name, _NO_PARENT.label("parent_id"), _NO_DEPTH.label("depth"))

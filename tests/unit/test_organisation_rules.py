"""The org tree's rules and the roll-up arithmetic, on any tree and any assignment."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import ValidationFailed
from app.domain.organisation.org_units import (
    MAX_DEPTH,
    TreeCycle,
    check_placement,
    closure,
    path_to_root,
)
from app.domain.organisation.rollup import rolled_up, unit_of


@st.composite
def trees(draw: st.DrawFn, max_units: int = 30) -> dict[UUID, UUID | None]:
    """A forest: each unit's parent is one of the units made before it, or none."""
    count = draw(st.integers(1, max_units))
    units = [uuid4() for _ in range(count)]
    parents: dict[UUID, UUID | None] = {}
    for index, unit in enumerate(units):
        choice = draw(st.integers(-1, index - 1))
        parents[unit] = None if choice < 0 else units[choice]
    return parents


amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)


@given(trees(), st.data())
def test_roots_and_unassigned_add_up_to_the_whole(
    parents: dict[UUID, UUID | None], data: st.DataObject
) -> None:
    units: list[UUID | None] = [*parents, None]
    rows = data.draw(st.lists(st.tuples(st.sampled_from(units), amounts), max_size=50))
    totals, unassigned = rolled_up(parents, rows)
    roots = [u for u, p in parents.items() if p is None]
    whole = sum((amount for _, amount in rows), Decimal(0))
    assert sum((totals[r] for r in roots), Decimal(0)) + unassigned == whole
    for unit in parents:  # a unit holds its own money and its children's
        children = [u for u, p in parents.items() if p == unit]
        own = sum((a for u, a in rows if u == unit), Decimal(0))
        assert totals[unit] == own + sum((totals[c] for c in children), Decimal(0))


@given(trees())
def test_the_closure_holds_every_ancestor_at_its_distance(
    parents: dict[UUID, UUID | None],
) -> None:
    pairs = closure(parents)
    for unit in parents:
        path = path_to_root(parents, unit)
        assert {(a, d) for a, d, _ in pairs if d == unit} == {(a, unit) for a in path}
        assert (unit, unit, 0) in pairs
        assert (path[0], unit, len(path) - 1) in pairs


@given(trees(max_units=12), st.data())
def test_a_parent_inside_the_subtree_is_a_cycle(
    parents: dict[UUID, UUID | None], data: st.DataObject
) -> None:
    unit = data.draw(st.sampled_from(list(parents)))
    below = [d for d in parents if unit in path_to_root(parents, d)]
    target = data.draw(st.sampled_from(below))
    with pytest.raises(TreeCycle):
        check_placement(unit, path_to_root(parents, target), 0)


def test_depth_counts_the_subtree_below_the_moved_unit() -> None:
    path = [uuid4() for _ in range(5)]  # the new parent is at level 5
    check_placement(uuid4(), path, MAX_DEPTH - 6)  # lands at 6, its deepest at 8
    with pytest.raises(ValidationFailed):
        check_placement(uuid4(), path, MAX_DEPTH - 5)
    with pytest.raises(ValidationFailed):
        check_placement(uuid4(), [uuid4() for _ in range(MAX_DEPTH)], 0)


def test_the_projects_unit_wins_over_the_owners() -> None:
    project, owner = uuid4(), uuid4()
    assert unit_of(project, owner) == project
    assert unit_of(None, owner) == owner
    assert unit_of(None, None) is None

"""Org units: a tree of departments (company, regions, branches, teams) that money and
work roll up through. At most ``MAX_DEPTH`` levels, a root being level 1."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from app.domain.errors import Conflict, ValidationFailed

MAX_DEPTH = 8
MAX_CODE_LENGTH = 100
MAX_NAME_LENGTH = 200


@dataclass(slots=True)
class OrgUnit:
    id: UUID
    code: str
    name: str
    created_at: datetime
    updated_at: datetime
    parent_id: UUID | None = None
    manager: str | None = None  # a directory user id
    version: int = 1

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationFailed("name must not be empty", ("name",))
        if not self.code.strip():
            raise ValidationFailed("code must not be empty", ("code",))
        if self.parent_id == self.id:
            raise Conflict("an org unit cannot be its own parent")


EDITABLE_FIELDS = ("code", "name", "parent_id", "manager")


class TreeCycle(Conflict):
    title = "Cycle in the org tree"


def check_placement(unit_id: UUID, parent_path: Sequence[UUID], subtree_height: int) -> None:
    """May ``unit_id`` (whose subtree is ``subtree_height`` levels below it) go under the
    parent whose path from its root is ``parent_path`` (root first, the parent last)?

    A parent inside the unit's own subtree makes a cycle (409); a subtree that would reach
    below level ``MAX_DEPTH`` is refused (422).
    """
    if unit_id in parent_path:
        raise TreeCycle(f"org unit {unit_id} would be its own ancestor")
    deepest = len(parent_path) + 1 + subtree_height
    if deepest > MAX_DEPTH:
        raise ValidationFailed(
            f"the org tree is at most {MAX_DEPTH} levels deep; this would make {deepest}",
            ("parent_id",),
        )


def change_unit(
    unit: OrgUnit, values: Mapping[str, Any], now: datetime
) -> tuple[OrgUnit, dict[str, tuple[Any, Any]]]:
    """Apply a partial update; returns the new unit and ``{field: (before, after)}``."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"fields cannot be changed: {sorted(unknown)}")
    changed = {
        name: (getattr(unit, name), value)
        for name, value in values.items()
        if getattr(unit, name) != value
    }
    if not changed:
        return unit, {}
    updated = replace(
        unit,
        **{name: after for name, (_, after) in changed.items()},
        updated_at=now,
        version=unit.version + 1,
    )
    return updated, changed


# --- The tree as pure functions (the database keeps a closure table; these state the rules
# it implements, for the unit tests). ---


def path_to_root(parents: Mapping[UUID, UUID | None], unit_id: UUID) -> list[UUID]:
    """``unit_id`` and its ancestors, root first."""
    path = [unit_id]
    seen = {unit_id}
    current = parents.get(unit_id)
    while current is not None:
        if current in seen:
            raise TreeCycle(f"org unit {current} is its own ancestor")
        seen.add(current)
        path.append(current)
        current = parents.get(current)
    return list(reversed(path))


def closure(parents: Mapping[UUID, UUID | None]) -> set[tuple[UUID, UUID, int]]:
    """Every (ancestor, descendant, distance) pair, each unit its own at distance 0."""
    pairs = set()
    for unit in parents:
        path = path_to_root(parents, unit)
        for distance, ancestor in enumerate(reversed(path)):
            pairs.add((ancestor, unit, distance))
    return pairs

"""Which unit money belongs to, and how units' figures roll up. PostgreSQL computes both
(a closure table, ``org_unit_closure``); these functions state the rules for the tests.

Money belongs to the unit of its contract's project when the project has one, else to the
unit of its owner's person record; with neither it is ``unassigned``. A unit's figure is
its own money plus its descendants', so the roots' figures plus the unassigned money add up
to the whole book.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from uuid import UUID

from app.domain.organisation.org_units import path_to_root


def unit_of(project_unit: UUID | None, owner_unit: UUID | None) -> UUID | None:
    """The project's unit wins; the owner's is the fallback; None is unassigned."""
    return project_unit if project_unit is not None else owner_unit


def rolled_up(
    parents: Mapping[UUID, UUID | None], amounts: Iterable[tuple[UUID | None, Decimal]]
) -> tuple[dict[UUID, Decimal], Decimal]:
    """Each unit's figure with its descendants', and the unassigned amount."""
    totals = dict.fromkeys(parents, Decimal(0))
    unassigned = Decimal(0)
    for unit, amount in amounts:
        if unit is None:
            unassigned += amount
            continue
        for ancestor in path_to_root(parents, unit):
            totals[ancestor] += amount
    return totals, unassigned

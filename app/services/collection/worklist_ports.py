"""The worklist's port: the query that finds and ranks an assignee's items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from app.domain.collection.worklist import Candidate, ItemId
from app.domain.collection.worklist_weights import Weights


@dataclass(frozen=True, slots=True)
class WorklistQuery:
    """One page of an assignee's worklist as of ``today``, ranked by score (highest
    first, then item id), starting after ``after`` (a score and an item id); or, with
    ``only``, that one item if it is on the list."""

    assignee: str
    today: date
    weights: Weights
    limit: int
    after: tuple[Decimal, str] | None = None
    only: ItemId | None = None


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate and the score the database ranked it by (equal to the domain's)."""

    candidate: Candidate
    score: Decimal


class WorklistQueries(Protocol):
    async def ranked(self, query: WorklistQuery) -> list[Ranked]:
        """Items the assignee owns (through a contract's owner, an open task's assignee or
        an active risk flag's owner), not disputed or on hold, with their factors
        computed by the database, ordered by score descending, then item id."""

    async def exists(self, item: ItemId) -> bool:
        """Whether the item's invoice, installment or customer exists at all."""

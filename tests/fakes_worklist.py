"""An in-memory fake of the worklist query: candidates placed by the test, per assignee,
ranked with the domain's score (the database ranks with the same formula in SQL)."""

from __future__ import annotations

from collections import defaultdict

from app.domain.collection.worklist import Candidate, ItemId, score
from app.services.collection.ports import Ranked, WorklistQuery


class FakeWorklistQueries:
    def __init__(self) -> None:
        self.candidates: dict[str, list[Candidate]] = defaultdict(list)
        self.existing: set[ItemId] = set()

    def place(self, assignee: str, candidate: Candidate) -> None:
        """Put ``candidate`` on ``assignee``'s list (excluded ones are left off, like SQL)."""
        self.existing.add(candidate.id)
        self.candidates[assignee].append(candidate)

    async def ranked(self, query: WorklistQuery) -> list[Ranked]:
        found = [
            Ranked(c, score(c.factors, query.weights).score)
            for c in self.candidates.get(query.assignee, [])
            if not c.factors.excluded and (query.only is None or c.id == query.only)
        ]
        found.sort(key=lambda r: (-r.score, str(r.candidate.id)))
        if query.after is not None:
            after_score, after_id = query.after
            found = [
                r
                for r in found
                if r.score < after_score
                or (r.score == after_score and str(r.candidate.id) > after_id)
            ]
        return found[: query.limit]

    async def exists(self, item: ItemId) -> bool:
        return item in self.existing

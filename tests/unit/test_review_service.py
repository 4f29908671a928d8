"""The review's use case on the fakes: its period, the sections not available yet, what
several sections share read once, and a failing section's error raised as itself."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from app.domain.errors import Unavailable, UnknownReference
from app.domain.reporting.review import SECTION_KEYS
from app.services.reporting.ports import AgingQuery, KpiQuery, PerformanceQuery
from app.services.reporting.review import REVIEWS_AT_ONCE, progress_review
from tests.fakes import FakeUnitOfWork, FixedClock


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def factory(uow: FakeUnitOfWork) -> Any:
    return lambda: uow


async def test_every_section_in_order_the_missing_ones_not_available(uow: FakeUnitOfWork) -> None:
    review = await progress_review(factory(uow), FixedClock())
    assert [s.key for s in review.sections] == list(SECTION_KEYS)
    missing = {s.key for s in review.sections if not s.available}
    assert missing == {"unbilled", "limitation_expiring"}
    assert (review.period.start, review.period.end) == (date(2026, 11, 16), date(2026, 11, 22))


async def test_what_sections_share_is_read_once(uow: FakeUnitOfWork) -> None:
    await progress_review(factory(uow), FixedClock(), date(2026, 11, 1), date(2026, 11, 20))
    asked = uow.reports.asked
    # Per owner (by owner, tasks), per unit and per project: one read for the three.
    assert not [q for q in asked if isinstance(q, PerformanceQuery)]
    assert len([q for q in uow.review.asked if isinstance(q, PerformanceQuery)]) == 1
    # The whole book's ageing at the end is one statement with the largest overdue
    # customers; overdue at the start and the end are the two periods' KPIs.
    assert not [q for q in asked if isinstance(q, AgingQuery)]
    (largest,) = [a for a in uow.review.asked if isinstance(a, tuple) and len(a) == 3]
    assert largest[0].as_of.day == date(2026, 11, 20)
    kpis = [q for q in asked if isinstance(q, KpiQuery)]
    assert sorted(q.end.day for q in kpis) == [date(2026, 10, 31), date(2026, 11, 20)]


async def test_every_section_reads_the_snapshot_the_first_transaction_took(
    uow: FakeUnitOfWork,
) -> None:
    await progress_review(factory(uow), FixedClock())
    asked = uow.review.asked
    assert asked.count("snapshot") == 1
    joined = [a for a in asked if isinstance(a, tuple) and a[0] == "join"]
    assert joined == [("join", "00000003-0000001B-1")] * len(SECTION_KEYS)


async def test_an_unknown_organisation_unit_is_422(uow: FakeUnitOfWork) -> None:
    with pytest.raises(UnknownReference, match="org unit"):
        await progress_review(factory(uow), FixedClock(), org_unit_id=UUID(int=7))


async def test_a_failing_section_raises_its_own_error(
    uow: FakeUnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down(*_: Any) -> Any:
        raise Unavailable("the database is restarting")

    monkeypatch.setattr(uow.review, "promise_sums", down)
    with pytest.raises(Unavailable):
        await progress_review(factory(uow), FixedClock())


async def test_reviews_beyond_the_bound_wait_for_one_to_end(
    uow: FakeUnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each review holds a connection while its sections take more: at most
    ``REVIEWS_AT_ONCE`` run at once, so that they can never hold the whole pool."""
    release = asyncio.Event()
    began: list[int] = []

    async def held_snapshot() -> str:
        began.append(1)
        await release.wait()
        return "00000003-0000001B-1"

    monkeypatch.setattr(uow.review, "snapshot", held_snapshot)
    reviews = [
        asyncio.create_task(progress_review(factory(uow), FixedClock()))
        for _ in range(REVIEWS_AT_ONCE + 1)
    ]
    for _ in range(20):  # let every task run as far as it can
        await asyncio.sleep(0)
    assert len(began) == REVIEWS_AT_ONCE
    release.set()
    await asyncio.gather(*reviews)
    assert len(began) == REVIEWS_AT_ONCE + 1

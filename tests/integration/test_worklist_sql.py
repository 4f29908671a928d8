"""The score PostgreSQL ranks by equals the domain's score: on thousands of random factors
under several weightings (halves of a cent included), and on every item of the book."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.collection.worklist import score_sql, weight_params
from app.adapters.db.uow import SqlUnitOfWork
from app.domain.collection.risk import Severity
from app.domain.collection.worklist import Factors, score
from app.domain.collection.worklist_weights import Weights
from app.domain.money import Money
from app.services.collection.ports import WorklistQuery
from app.services.platform import Platform
from app.services.reactions import REACTIONS
from tests.e2e.worklist_book import ANA, BOB, EXPECTED, build_book
from tests.fakes import FixedClock

CURRENCIES = {"CNY": 2, "USD": 2, "JPY": 0, "KWD": 3, "CHF": 2}

SCORES = text(
    f"""
    SELECT {score_sql("f", "f.broken")} AS score
    FROM unnest(
        CAST(:amounts AS numeric[]), CAST(:currencies AS text[]), CAST(:days AS int[]),
        CAST(:levels AS int[]), CAST(:broken AS int[]), CAST(:severities AS smallint[]),
        CAST(:promises AS boolean[]), CAST(:limitations AS boolean[])
    ) WITH ORDINALITY AS f(amount_overdue, currency, days_overdue, dunning_level, broken,
                           risk_severity, promise_due_today, limitation_expiring, n)
    ORDER BY f.n
    """
)


def random_factors(rng: random.Random) -> Factors:
    currency = rng.choice(list(CURRENCIES))
    places = CURRENCIES[currency]
    scale = rng.choice([0, 2, 5, 9, 14])
    amount = Decimal(rng.randrange(0, 10**scale + 1)).scaleb(-places)
    if rng.random() < 0.2:  # exactly half a cent of points under the default units
        amount = Decimal(rng.randrange(0, 10**6)) * 100 + 50
    return Factors(
        amount_overdue=Money.of(amount, currency),
        days_overdue=rng.choice([0, 1, rng.randrange(0, 4000)]),
        dunning_level=rng.randrange(0, 6),
        broken_promises=rng.randrange(0, 5),
        risk_severity=rng.choice([None, *Severity]),
        promise_due_today=rng.random() < 0.3,
        limitation_expiring=rng.random() < 0.2,
    )


def random_weights(rng: random.Random) -> Weights:
    def points() -> Decimal:
        return Decimal(rng.randrange(0, 10**7)).scaleb(-4)

    risk = sorted(points() for _ in Severity)
    return Weights(
        amount_overdue=points(),
        amount_units={
            **{c: Decimal(rng.choice([1, 3, 7, 1500, 9999, 10**9])) for c in CURRENCIES},
            "*": Decimal(10_000),
        },
        amount_overdue_max_points=rng.choice([None, points()]),
        days_overdue=points(),
        days_overdue_max_points=rng.choice([None, points()]),
        dunning_level=points(),
        broken_promises=points(),
        risk_severity=dict(zip(Severity, risk, strict=True)),
        promise_due_today=points(),
        limitation_expiring=points(),
    )


async def sql_scores(db: AsyncEngine, rows: list[Factors], weights: Weights) -> list[Decimal]:
    params = {
        "amounts": [f.amount_overdue.amount for f in rows],
        "currencies": [f.amount_overdue.currency for f in rows],
        "days": [f.days_overdue for f in rows],
        "levels": [f.dunning_level for f in rows],
        "broken": [f.broken_promises for f in rows],
        "severities": [None if f.risk_severity is None else int(f.risk_severity) for f in rows],
        "promises": [f.promise_due_today for f in rows],
        "limitations": [f.limitation_expiring for f in rows],
        **weight_params(weights),
    }
    async with db.connect() as conn:
        return list((await conn.execute(SCORES, params)).scalars())


async def test_sql_and_domain_scores_are_equal_on_random_factors(db: AsyncEngine) -> None:
    rng = random.Random(20261127)
    weightings = [
        Weights(),
        Weights(amount_overdue_max_points=None, days_overdue_max_points=None),
        *(random_weights(rng) for _ in range(8)),
    ]
    for weights in weightings:
        rows = [random_factors(rng) for _ in range(1500)]
        expected = [score(f, weights).score for f in rows]
        assert await sql_scores(db, rows, weights) == expected, weights


async def test_the_database_ranks_the_book_by_the_domains_score(
    api: httpx.AsyncClient, platform: Platform, clock: FixedClock, db: AsyncEngine
) -> None:
    book = await build_book(api, platform, clock, db)
    for assignee in (ANA, BOB):
        query = WorklistQuery(assignee, date(2026, 11, 27), Weights(), limit=100)
        async with SqlUnitOfWork(db, REACTIONS) as uow:
            ranked = await uow.worklist.ranked(query)
        assert ranked, assignee
        for row in ranked:
            assert row.score == score(row.candidate.factors, Weights()).score, row
        scores = [row.score for row in ranked]
        assert scores == sorted(scores, reverse=True)
    async with SqlUnitOfWork(db, REACTIONS) as uow:
        ranked = await uow.worklist.ranked(
            WorklistQuery(ANA, date(2026, 11, 27), Weights(), limit=100)
        )
    assert [str(r.candidate.id) for r in ranked] == [book.item(n) for n, _, _ in EXPECTED]

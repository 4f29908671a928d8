"""The idempotency-cleanup job: claims past the retention and webhook-ids past their window
go, in batches; fresh claims, claims in flight and webhook-ids that can still refuse a
replay stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.access.idempotency import SqlIdempotencyStore
from app.adapters.db.access.idempotency_keys import DELETE_CLAIMS, DELETE_MESSAGES
from app.domain.access.idempotency import ClaimState, IdempotencyRecord, StoredResponse
from app.domain.errors import Unauthenticated
from app.services.platform import Platform
from tests.fakes import FixedClock
from tests.integration.jobs import Jobs

RETENTION = timedelta(hours=24)  # JobParams' default, as HUIKUAN_IDEMPOTENCY_RETENTION_HOURS


async def claim(
    store: SqlIdempotencyStore, clock: FixedClock, key: str, *, age: timedelta, lease: timedelta
) -> None:
    """A claim taken ``age`` ago whose lease runs ``lease`` from then."""
    created = clock.now() - age
    record = IdempotencyRecord("scope-a", key, "fp", ClaimState.IN_FLIGHT, created, created + lease)
    assert await store.claim(record) is None


async def remember(platform: Platform, db: AsyncEngine, message_id: str, age: timedelta) -> None:
    """A signed request's webhook-id, remembered as ingestion does, ``age`` ago."""
    async with platform.uow(message=(message_id, "body-sha")) as uow:
        await uow.commit()
    async with db.begin() as conn:
        await conn.execute(
            text(
                "UPDATE idempotency_keys SET created_at = now() - CAST(:age AS interval) "
                "WHERE scope = 'webhook-id' AND key = :key"
            ),
            {"age": age, "key": message_id},
        )


async def keys(db: AsyncEngine) -> set[str]:
    async with db.connect() as conn:
        return set((await conn.execute(text("SELECT key FROM idempotency_keys"))).scalars())


async def test_claims_past_the_retention_go_fresh_ones_and_those_in_flight_stay(
    platform: Platform, clock: FixedClock, db: AsyncEngine, jobs: Jobs
) -> None:
    store = SqlIdempotencyStore(db)
    minute, day = timedelta(minutes=1), timedelta(days=1)
    for number in range(5):  # answered a day and a minute ago: more than one batch of two
        await claim(store, clock, f"old-{number}", age=day + minute, lease=minute)
        await store.complete("scope-a", f"old-{number}", StoredResponse(201, {}, b"{}"))
    await claim(store, clock, "lost", age=day + minute, lease=minute)  # committed, never answered
    await claim(store, clock, "fresh", age=day - minute, lease=minute)
    await claim(store, clock, "running", age=day + minute, lease=2 * day)  # lease not over

    done = await jobs.run("idempotency-cleanup")
    assert done.examined == 6
    assert await keys(db) == {"fresh", "running"}

    clock.advance(minutes=2)  # "fresh" is past the retention now
    assert (await jobs.run("idempotency-cleanup")).examined == 1
    assert await keys(db) == {"running"}


async def test_a_webhook_id_goes_only_once_it_can_no_longer_refuse_a_replay(
    platform: Platform, clock: FixedClock, db: AsyncEngine, jobs: Jobs
) -> None:
    await remember(platform, db, "msg-hours", timedelta(hours=2))  # younger than the retention
    await remember(platform, db, "msg-7min", timedelta(minutes=7))
    await remember(platform, db, "msg-in-margin", timedelta(minutes=5, seconds=30))
    await remember(platform, db, "msg-4min", timedelta(minutes=4))
    clock.advance(days=30)  # the service's clock does not age webhook-ids: the database's does

    done = await jobs.run("idempotency-cleanup")
    assert done.examined == 2
    assert await keys(db) == {"msg-in-margin", "msg-4min"}
    # What stayed still refuses another body with its id.
    with pytest.raises(Unauthenticated):
        async with platform.uow(message=("msg-4min", "another-body-sha")):
            pass


@pytest.mark.parametrize(
    ("statement", "index"),
    [
        (DELETE_CLAIMS, "ix_idempotency_keys_claims_created_at"),
        (DELETE_MESSAGES, "ix_idempotency_keys_messages_created_at"),
    ],
)
async def test_each_delete_scans_the_index_of_its_own_rows(
    db: AsyncEngine, statement: TextClause, index: str
) -> None:
    """A batch reads only rows of its kind (migration 0011), never walking past a day of
    the other kind's rows; the table is empty here, so sequential scans are ruled out."""
    now = datetime.now(UTC)
    params = {"cutoff": now, "now": now, "age": timedelta(minutes=6), "limit": 500}
    async with db.connect() as conn:
        await conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join((await conn.execute(text(f"EXPLAIN {statement.text}"), params)).scalars())
        await conn.execute(text("RESET enable_seqscan"))
    assert index in plan, plan

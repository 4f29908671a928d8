"""Idempotency-Key rules: what a repeat of a claimed key gets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.access.idempotency import (
    ClaimState,
    IdempotencyRecord,
    StoredResponse,
    Verdict,
    judge_repeat,
    should_store,
)
from app.domain.errors import IdempotencyInFlight, IdempotencyKeyReused
from app.services.access.idempotency import (
    Claimed,
    IdempotencyPolicy,
    Replay,
    claim_key,
    finish_claim,
)
from tests.fakes import FakeIdempotencyStore, FixedClock

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def record(**changes: object) -> IdempotencyRecord:
    base: dict[str, object] = {
        "scope": "s",
        "key": "k",
        "fingerprint": "f",
        "state": ClaimState.IN_FLIGHT,
        "created_at": T0,
        "lease_until": T0 + timedelta(seconds=60),
    }
    return IdempotencyRecord(**{**base, **changes})  # type: ignore[arg-type]


DONE = StoredResponse(201, {"content-type": "application/json"}, b"{}")


def test_a_finished_request_is_replayed() -> None:
    done = record(state=ClaimState.COMPLETED, response=DONE)
    assert judge_repeat(done, "f", T0 + timedelta(hours=1), DAY) is Verdict.REPLAY


def test_another_body_with_the_same_key_is_a_mismatch() -> None:
    done = record(state=ClaimState.COMPLETED, response=DONE)
    assert judge_repeat(done, "other", T0, DAY) is Verdict.MISMATCH


def test_a_running_request_is_in_flight_until_its_lease_ends() -> None:
    assert judge_repeat(record(), "f", T0 + timedelta(seconds=5), DAY) is Verdict.IN_FLIGHT
    assert judge_repeat(record(), "f", T0 + timedelta(seconds=61), DAY) is Verdict.TAKE_OVER


def test_a_committed_change_whose_response_was_lost_never_runs_again() -> None:
    committed = record(committed_at=T0 + timedelta(seconds=1))
    assert judge_repeat(committed, "f", T0 + timedelta(seconds=5), DAY) is Verdict.IN_FLIGHT
    assert judge_repeat(committed, "f", T0 + timedelta(minutes=5), DAY) is Verdict.LOST_RESPONSE


def test_keys_are_forgotten_after_the_retention() -> None:
    done = record(state=ClaimState.COMPLETED, response=DONE)
    assert judge_repeat(done, "other", T0 + DAY, DAY) is Verdict.TAKE_OVER


@pytest.mark.parametrize(
    ("status", "stored"),
    [
        (200, True),
        (201, True),
        (404, True),
        (422, True),
        (401, False),
        (403, False),
        (409, False),
        (500, False),
        (503, False),
    ],
)
def test_which_responses_are_kept_for_replay(status: int, stored: bool) -> None:
    assert should_store(status) is stored


async def test_claim_then_replay_then_mismatch_with_the_service() -> None:
    store, clock, policy = FakeIdempotencyStore(), FixedClock(T0), IdempotencyPolicy()
    first = await claim_key(store, clock, policy, scope="s", key="k", fingerprint="f")
    assert isinstance(first, Claimed)
    with pytest.raises(IdempotencyInFlight):
        await claim_key(store, clock, policy, scope="s", key="k", fingerprint="f")
    await finish_claim(store, first, DONE)
    again = await claim_key(store, clock, policy, scope="s", key="k", fingerprint="f")
    assert isinstance(again, Replay)
    assert again.response == DONE
    with pytest.raises(IdempotencyKeyReused):
        await claim_key(store, clock, policy, scope="s", key="k", fingerprint="g")


async def test_a_server_error_releases_the_key_for_a_retry() -> None:
    store, clock, policy = FakeIdempotencyStore(), FixedClock(T0), IdempotencyPolicy()
    first = await claim_key(store, clock, policy, scope="s", key="k", fingerprint="f")
    assert isinstance(first, Claimed)
    await finish_claim(store, first, StoredResponse(500, {}, b""))
    retry = await claim_key(store, clock, policy, scope="s", key="k", fingerprint="f")
    assert isinstance(retry, Claimed)


async def test_an_abandoned_claim_is_taken_over_after_its_lease() -> None:
    store, clock, policy = FakeIdempotencyStore(), FixedClock(T0), IdempotencyPolicy()
    await claim_key(store, clock, policy, scope="s", key="k", fingerprint="f")
    clock.advance(seconds=120)
    retry = await claim_key(store, clock, policy, scope="s", key="k", fingerprint="f")
    assert isinstance(retry, Claimed)


async def test_a_withheld_answer_is_not_replayed() -> None:
    from app.domain.errors import IdempotentResponseWithheld

    store, clock, policy = FakeIdempotencyStore(), FixedClock(T0), IdempotencyPolicy()
    first = await claim_key(store, clock, policy, scope="s", key="k", fingerprint="f")
    assert isinstance(first, Claimed)
    secret = StoredResponse(201, {"cache-control": "no-store"}, b'{"secret": "whsec_x"}')
    await finish_claim(store, first, secret)
    assert store.rows[("s", "k")].response == StoredResponse(201, secret.headers, b"")
    with pytest.raises(IdempotentResponseWithheld):
        await claim_key(store, clock, policy, scope="s", key="k", fingerprint="f")

"""Idempotency-Key use cases: claim a key before a POST runs, then store or release it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.domain.access.idempotency import (
    ClaimState,
    IdempotencyRecord,
    StoredResponse,
    Verdict,
    judge_repeat,
    should_store,
)
from app.domain.errors import (
    IdempotencyInFlight,
    IdempotencyKeyReused,
    IdempotentResponseWithheld,
)
from app.services.access.ports import IdempotencyStore
from app.services.context import Clock

MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class IdempotencyPolicy:
    retention: timedelta = timedelta(hours=24)
    lease: timedelta = timedelta(seconds=60)

    @classmethod
    def from_hours(cls, retention_hours: int, lease_seconds: int) -> IdempotencyPolicy:
        return cls(timedelta(hours=retention_hours), timedelta(seconds=lease_seconds))


@dataclass(frozen=True, slots=True)
class Claimed:
    """This request owns the key: run it, then call :func:`finish_claim`."""

    scope: str
    key: str


@dataclass(frozen=True, slots=True)
class Replay:
    response: StoredResponse


async def claim_key(
    store: IdempotencyStore,
    clock: Clock,
    policy: IdempotencyPolicy,
    *,
    scope: str,
    key: str,
    fingerprint: str,
) -> Claimed | Replay:
    """Claim ``key`` for this request, or say what an earlier request with it decided.

    Raises IdempotencyKeyReused (same key, other body) or IdempotencyInFlight.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyKeyReused(f"Idempotency-Key must be 1..{MAX_KEY_LENGTH} characters")
    for _ in range(3):
        now = clock.now()
        fresh = IdempotencyRecord(
            scope=scope,
            key=key,
            fingerprint=fingerprint,
            state=ClaimState.IN_FLIGHT,
            created_at=now,
            lease_until=now + policy.lease,
        )
        existing = await store.claim(fresh)
        if existing is None:
            return Claimed(scope, key)
        verdict = judge_repeat(existing, fingerprint, now, policy.retention)
        if verdict is Verdict.REPLAY:
            assert existing.response is not None
            if existing.response.withheld:
                raise IdempotentResponseWithheld(
                    f"the first request with this Idempotency-Key succeeded "
                    f"({existing.response.status}); its answer carried a secret, which is "
                    "never stored: look the resource up (rotate the secret if it was lost)"
                )
            return Replay(existing.response)
        if verdict is Verdict.MISMATCH:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used for a different request in the last "
                f"{int(policy.retention.total_seconds() // 3600)} h"
            )
        if verdict is Verdict.IN_FLIGHT:
            raise IdempotencyInFlight("a request with this Idempotency-Key is still running")
        if verdict is Verdict.LOST_RESPONSE:
            raise IdempotencyInFlight(
                "a request with this Idempotency-Key completed but its response was lost; "
                "look the resource up instead of retrying"
            )
        if await store.take_over(fresh, existing):
            return Claimed(scope, key)
    raise IdempotencyInFlight("a request with this Idempotency-Key is still running")


async def finish_claim(store: IdempotencyStore, claim: Claimed, response: StoredResponse) -> None:
    """Keep a final response for replay; release the key when a retry should run again."""
    if should_store(response.status):
        await store.complete(claim.scope, claim.key, response.kept())
    else:
        await store.release(claim.scope, claim.key)

"""Idempotency-Key rules: replay, mismatch, in flight, expiry.

A claim is taken before the request runs. The unit of work stamps ``committed_at`` in the
same transaction as the change, so a crash between commit and storing the response is told
apart from a crash before commit: the first must never run again, the second may.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# Standard Webhooks' timestamp tolerance: how long a signed request's webhook-id is kept
# to its body (another body with the same id is a replay, 401).
SIGNED_MESSAGE_WINDOW = timedelta(minutes=5)


class ClaimState(StrEnum):
    IN_FLIGHT = "in_flight"
    COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def withheld(self) -> bool:
        """A ``Cache-Control: no-store`` answer (it carries a secret): its body is not kept."""
        return "no-store" in self.headers.get("cache-control", "")

    def kept(self) -> StoredResponse:
        """What may be stored for replay: everything, or for a withheld answer no body."""
        return StoredResponse(self.status, self.headers, b"") if self.withheld else self


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    scope: str
    key: str
    fingerprint: str
    state: ClaimState
    created_at: datetime
    lease_until: datetime
    committed_at: datetime | None = None
    response: StoredResponse | None = None


class Verdict(StrEnum):
    REPLAY = "replay"  # same request, finished: send the stored response again
    MISMATCH = "mismatch"  # same key, another body: 422
    IN_FLIGHT = "in_flight"  # the first is still running: 409
    TAKE_OVER = "take_over"  # expired or abandoned before commit: run it again
    LOST_RESPONSE = "lost_response"  # committed, but the response was never stored: 409


def judge_repeat(
    record: IdempotencyRecord, fingerprint: str, now: datetime, retention: timedelta
) -> Verdict:
    """Decide what a request carrying an already-claimed key gets."""
    if now - record.created_at >= retention:
        return Verdict.TAKE_OVER
    if record.fingerprint != fingerprint:
        return Verdict.MISMATCH
    if record.state is ClaimState.COMPLETED and record.response is not None:
        return Verdict.REPLAY
    if record.committed_at is not None:
        return Verdict.IN_FLIGHT if now < record.lease_until else Verdict.LOST_RESPONSE
    return Verdict.IN_FLIGHT if now < record.lease_until else Verdict.TAKE_OVER


REPLAYABLE_STATUSES = range(200, 500)
NEVER_STORED = frozenset({401, 403, 409, 413, 415})


def should_store(status: int) -> bool:
    """Server errors, auth failures and in-flight conflicts are not final: let a retry run."""
    return status in REPLAYABLE_STATUSES and status not in NEVER_STORED

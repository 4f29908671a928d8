"""Domain errors. They carry no HTTP status: ``app/api/errors.py`` maps each type to one."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class DomainError(Exception):
    """Base of every error a use case may raise on purpose."""

    title = "Domain error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ValidationFailed(DomainError):
    """Input that is well-formed but breaks a rule (422)."""

    title = "Invalid input"

    def __init__(self, detail: str, loc: Sequence[str | int] = ()) -> None:
        super().__init__(detail)
        self.loc = tuple(loc)


Loc = tuple[str | int, ...]


class InvalidEvent(ValidationFailed):
    """An inbound event that cannot be applied as sent (422 in its result): every problem
    found in it, ``issues``, at once."""

    title = "Invalid event"

    def __init__(self, issues: list[tuple[Loc, str]]) -> None:
        first_loc, first_msg = issues[0]
        detail = first_msg if len(issues) == 1 else f"{first_msg} (and {len(issues) - 1} more)"
        super().__init__(detail, first_loc)
        self.issues = issues


class InvalidMoney(ValidationFailed):
    title = "Invalid amount"


class CurrencyMismatch(ValidationFailed):
    title = "Currency mismatch"


class UnknownReference(ValidationFailed):
    """A request names another record (in its body) that does not exist (422)."""

    title = "Unknown reference"

    def __init__(self, resource: str, identifier: object, loc: Sequence[str | int] = ()) -> None:
        super().__init__(f"{resource} {identifier} does not exist", loc)
        self.resource = resource
        self.identifier = identifier


class NotFound(DomainError):
    title = "Not found"

    def __init__(self, resource: str, identifier: object, detail: str | None = None) -> None:
        super().__init__(detail or f"{resource} {identifier} does not exist")
        self.resource = resource
        self.identifier = identifier


class Conflict(DomainError):
    """The request clashes with the current state (409)."""

    title = "Conflict"


class DuplicateExternalId(Conflict):
    title = "Duplicate external_id"

    def __init__(self, resource: str, external_id: str) -> None:
        super().__init__(f"a {resource} with external_id {external_id!r} already exists")
        self.resource = resource
        self.external_id = external_id


class IllegalStateTransition(Conflict):
    title = "Illegal state change"


class PreconditionFailed(DomainError):
    """An ``If-Match`` precondition that does not hold (412)."""

    title = "Precondition failed"


class StaleVersion(PreconditionFailed):
    """The resource changed since the version the caller read."""

    def __init__(self, resource: str, expected: int, current: int | None = None) -> None:
        suffix = f", it is now at version {current}" if current is not None else ""
        super().__init__(f"{resource} was expected at version {expected}{suffix}")
        self.expected = expected
        self.current = current


class AuthFailure(StrEnum):
    """Why a request was refused as unauthenticated or forbidden (a metric label)."""

    MISSING = "missing"  # no Authorization header
    MALFORMED = "malformed"  # an Authorization header that is not "Bearer <key>"
    UNKNOWN = "unknown"  # no key has this secret
    REVOKED = "revoked"
    SCOPE = "scope"  # an active key without the route's scope
    SIGNATURE = "signature"  # an ingestion request not signed, or not validly
    REPLAY = "replay"  # a signed webhook-id seen before with another body


class Unauthenticated(DomainError):
    title = "Unauthenticated"

    def __init__(self, detail: str, reason: str = "unknown") -> None:
        super().__init__(detail)
        self.reason = reason  # one of AuthFailure, for the failure count


class Forbidden(DomainError):
    title = "Forbidden"
    reason = "scope"


class IdempotencyKeyReused(ValidationFailed):
    title = "Idempotency-Key reused with a different request"


class IdempotentResponseWithheld(Conflict):
    title = "The first response carried a secret and was not kept"


class IdempotencyInFlight(Conflict):
    title = "Request with this Idempotency-Key is still in flight"


class Contention(Conflict):
    """The change collided with a concurrent one (a deadlock was broken); retrying may work."""

    title = "Concurrent change"


class Unavailable(DomainError):
    """A dependency (the database) cannot be reached right now (503); retrying may work."""

    title = "Service unavailable"

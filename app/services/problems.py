"""RFC 9457 problem documents for domain errors, mapped in one table.

The HTTP layer answers with them (``app/api/errors.py``) and ingestion stores them in
each rejected event's result, so both say the same thing about the same error.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from app.domain.errors import (
    Conflict,
    Contention,
    DomainError,
    DuplicateExternalId,
    Forbidden,
    IdempotencyInFlight,
    IdempotencyKeyReused,
    IdempotentResponseWithheld,
    IllegalStateTransition,
    InvalidEvent,
    NotFound,
    PreconditionFailed,
    StaleVersion,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)

TYPE_PREFIX = "urn:huikuan:problem:"

# Domain error -> (HTTP status, problem type slug). The most specific class wins.
DOMAIN_PROBLEMS: dict[type[DomainError], tuple[int, str]] = {
    ValidationFailed: (422, "validation-failed"),
    InvalidEvent: (422, "invalid-event"),
    IdempotencyKeyReused: (422, "idempotency-key-reused"),
    NotFound: (404, "not-found"),
    Conflict: (409, "conflict"),
    Contention: (409, "contention"),
    DuplicateExternalId: (409, "duplicate-external-id"),
    IllegalStateTransition: (409, "illegal-state-change"),
    IdempotencyInFlight: (409, "idempotency-key-in-flight"),
    IdempotentResponseWithheld: (409, "idempotent-response-withheld"),
    PreconditionFailed: (412, "precondition-failed"),
    StaleVersion: (412, "stale-version"),
    Unauthenticated: (401, "unauthenticated"),
    Forbidden: (403, "forbidden"),
    Unavailable: (503, "unavailable"),
}


def status_and_slug(error: DomainError) -> tuple[int, str]:
    for cls in type(error).__mro__:
        if cls in DOMAIN_PROBLEMS:
            return DOMAIN_PROBLEMS[cls]
    return 400, "bad-request"  # pragma: no cover - every DomainError subclass is in the table


class ProblemIssue(TypedDict):
    loc: list[Any]
    msg: str


class ProblemDocument(TypedDict):
    """An RFC 9457 problem as the API answers it and ingest results carry it."""

    type: str
    title: str
    status: int
    detail: str
    errors: NotRequired[list[ProblemIssue]]


def problem_document(error: DomainError) -> ProblemDocument:
    """``{type, title, status, detail, errors?}`` for ``error``."""
    status, slug = status_and_slug(error)
    body: ProblemDocument = {
        "type": TYPE_PREFIX + slug,
        "title": error.title,
        "status": status,
        "detail": error.detail,
    }
    if isinstance(error, InvalidEvent):
        body["errors"] = [{"loc": list(loc), "msg": msg} for loc, msg in error.issues]
    elif isinstance(error, ValidationFailed) and error.loc:
        body["errors"] = [{"loc": list(error.loc), "msg": error.detail}]
    return body

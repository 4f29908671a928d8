"""Database failures as domain errors: constraint violations by constraint name, lost
connections and broken deadlocks by kind. Covers both SQLAlchemy's wrapped errors and
asyncpg's own (hot statements run on the asyncpg connection directly)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.exc import DBAPIError

from app.domain.errors import Contention, DomainError, Unavailable

CONTENTION_STATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
# The server refuses a new connection (too_many_connections): full, not gone, so the pool
# keeps the connections it has and the request may be retried.
NO_CONNECTION_FREE = "53300"
# Connection exceptions (08), operator intervention (57P: shutdown, restart).
LOST_CONNECTION = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
    # A connection whose protocol is stuck (e.g. it read the server's "terminating
    # connection" before the socket closed) is as good as lost.
    asyncpg.exceptions.InternalClientError,
    OSError,
    ConnectionError,
)


def driver_error(error: BaseException) -> BaseException:
    """asyncpg's exception behind ``error`` (itself when it is one). SQLAlchemy wraps a
    statement's error twice (DBAPIError around its adapted DBAPI error) but a failed connect
    only once (the adapted error), as when the server is shutting down."""
    if isinstance(error, DBAPIError):
        error = error.orig or error
    cause = error.__cause__
    if isinstance(cause, asyncpg.PostgresError | asyncpg.InterfaceError | OSError):
        return cause
    return error


def constraint_name(error: BaseException) -> str | None:
    return getattr(driver_error(error), "constraint_name", None)


def translate_integrity_error(
    error: BaseException, mapping: Mapping[str, Callable[[], DomainError]]
) -> DomainError | None:
    name = constraint_name(error)
    factory = mapping.get(name or "")
    return factory() if factory else None


def lost_connection(error: BaseException | None) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return error is not None and isinstance(driver_error(error), LOST_CONNECTION)


def database_error(error: BaseException | None) -> DomainError | None:
    """The domain error a database failure stands for, or None for other errors."""
    if error is None or isinstance(error, DomainError):
        return None
    if lost_connection(error):
        return Unavailable("the database cannot be reached; retry the request")
    state = getattr(driver_error(error), "sqlstate", None)
    if state == NO_CONNECTION_FREE:
        return Unavailable("the database has no connection free; retry the request")
    if state in CONTENTION_STATES:
        return Contention("the change collided with a concurrent one; retry it")
    return None


@asynccontextmanager
async def translated_errors() -> AsyncIterator[None]:
    """Database failures inside the block leave as domain errors (503, 409) where they are
    ones; for code that uses the engine directly rather than a unit of work."""
    try:
        yield
    except Exception as exc:
        translated = database_error(exc)
        if translated is not None:
            raise translated from exc
        raise

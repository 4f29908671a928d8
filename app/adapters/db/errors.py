"""Turn database constraint violations into domain errors by constraint name."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.exc import DBAPIError, IntegrityError

from app.domain.errors import DomainError


def constraint_name(error: DBAPIError) -> str | None:
    original = getattr(error.orig, "__cause__", None) or error.orig
    return getattr(original, "constraint_name", None)


def translate_integrity_error(
    error: IntegrityError, mapping: Mapping[str, Callable[[], DomainError]]
) -> DomainError | None:
    name = constraint_name(error)
    factory = mapping.get(name or "")
    return factory() if factory else None

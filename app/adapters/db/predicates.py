"""SQL text rendered from the domain's constants, so that a fact has one source."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


def values(statuses: Iterable[StrEnum]) -> tuple[str, ...]:
    """Plain strings, in the given order, for ``column.in_(...)`` (bound parameters)."""
    return tuple(status.value for status in statuses)


def status_in(statuses: Iterable[str], column: str = "status") -> str:
    """``status IN ('open', 'partially_paid')``: a literal list, so that PostgreSQL can match
    a query's predicate against the partial indexes built from the same text."""
    quoted = ", ".join("'" + s.replace("'", "''") + "'" for s in statuses)
    return f"{column} IN ({quoted})"

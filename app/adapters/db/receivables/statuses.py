"""The domain's payable invoice statuses as SQL, rendered once: every predicate, report
filter and partial index over open invoices says the same thing the Python rules do."""

from __future__ import annotations

from app.domain.receivables.invoices import PAYABLE_STATUSES

# Plain strings, in the domain's order, for ``column.in_(...)`` (bound parameters).
PAYABLE: tuple[str, ...] = tuple(status.value for status in PAYABLE_STATUSES)


def status_in(statuses: tuple[str, ...], column: str = "status") -> str:
    """``status IN ('open', 'partially_paid')``: a literal list, so that PostgreSQL can match
    a query's predicate against the partial indexes built from the same text."""
    quoted = ", ".join("'" + s.replace("'", "''") + "'" for s in statuses)
    return f"{column} IN ({quoted})"


PAYABLE_SQL = status_in(PAYABLE)

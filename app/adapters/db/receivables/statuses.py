"""The domain's payable invoice statuses as SQL, rendered once: every predicate, report
filter and partial index over open invoices says the same thing the Python rules do."""

from __future__ import annotations

from app.adapters.db.predicates import status_in, values
from app.domain.receivables.invoices import PAYABLE_STATUSES

PAYABLE = values(PAYABLE_STATUSES)
PAYABLE_SQL = status_in(PAYABLE)

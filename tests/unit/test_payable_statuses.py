"""Payable invoice statuses: one constant for the Python rules and every SQL predicate."""

from __future__ import annotations

from sqlalchemy import TextClause

from app.adapters.db.receivables.statuses import PAYABLE, PAYABLE_SQL, status_in
from app.adapters.db.receivables.tables import invoices
from app.domain.receivables.invoices import PAYABLE_STATUSES, InvoiceStatus


def test_payable_sql_renders_from_the_domain_constant_byte_for_byte() -> None:
    # The text the partial indexes were built from: a change here would change query plans.
    assert PAYABLE_SQL == "status IN ('open', 'partially_paid')"
    assert PAYABLE == tuple(PAYABLE_STATUSES) == (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)
    assert status_in(("it's",), "i.status") == "i.status IN ('it''s')"


def test_the_open_invoice_partial_indexes_use_the_same_predicate() -> None:
    predicates = [
        where.text
        for index in invoices.indexes
        if isinstance(where := index.dialect_options["postgresql"]["where"], TextClause)
        and "status" in where.text
    ]
    assert len(predicates) >= 4
    assert all(p == PAYABLE_SQL or p.startswith(f"{PAYABLE_SQL} AND ") for p in predicates)

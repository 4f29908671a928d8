"""Status sets (payable invoices, unsettled promises, active risk flags, open tasks): one
constant in the domain for the Python rules and every SQL predicate rendered from it."""

from __future__ import annotations

from sqlalchemy import Table, TextClause

from app.adapters.db.collection import statuses as collection
from app.adapters.db.collection.models import promises, risk_flags, tasks
from app.adapters.db.predicates import status_in
from app.adapters.db.receivables.models import invoices
from app.adapters.db.receivables.statuses import PAYABLE, PAYABLE_SQL
from app.domain.receivables.invoices import PAYABLE_STATUSES, InvoiceStatus


def _status_predicates(table: Table) -> list[str]:
    return [
        where.text
        for index in table.indexes
        if isinstance(where := index.dialect_options["postgresql"]["where"], TextClause)
        and "status IN" in where.text
    ]


def test_payable_sql_renders_from_the_domain_constant_byte_for_byte() -> None:
    # The text the partial indexes were built from: a change here would change query plans.
    assert PAYABLE_SQL == "status IN ('open', 'partially_paid')"
    assert PAYABLE == tuple(PAYABLE_STATUSES) == (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)
    assert status_in(("it's",), "i.status") == "i.status IN ('it''s')"


def test_collection_status_sets_render_as_their_migrations_wrote_them() -> None:
    assert collection.UNSETTLED_PROMISE_SQL == "status IN ('open', 'partially_kept')"
    assert collection.ACTIVE_FLAG_SQL == "status IN ('open', 'mitigating')"
    assert collection.OPEN_TASK_SQL == "status IN ('todo', 'in_progress')"


def test_the_partial_indexes_use_the_same_predicates() -> None:
    for table, rendered in (
        (invoices, PAYABLE_SQL),
        (promises, collection.UNSETTLED_PROMISE_SQL),
        (risk_flags, collection.ACTIVE_FLAG_SQL),
        (tasks, collection.OPEN_TASK_SQL),
    ):
        predicates = _status_predicates(table)
        assert predicates, table.name
        assert all(p == rendered or p.startswith(f"{rendered} AND ") for p in predicates)

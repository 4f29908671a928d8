"""The table models land on the one MetaData, and SQL text takes its column lists from them.

That the models compile to the migrated schema is tests/integration/test_schema.py's job."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, Text
from sqlmodel import SQLModel

from app.adapters.db.metadata import (
    NAMING_CONVENTION,
    column_list,
    columns_of,
    element_type,
    unnest_arrays,
)
from app.adapters.db.receivables.models import InvoiceRow, invoices
from app.adapters.db.tables import metadata


def test_every_model_table_is_on_the_one_metadata_and_none_on_sqlmodels() -> None:
    assert metadata.naming_convention.items() >= NAMING_CONVENTION.items()
    assert InvoiceRow.__table__ is invoices is metadata.tables["invoices"]
    assert len(metadata.tables) == 39  # every context's models.py, gathered by tables.py
    assert SQLModel.metadata.tables == {}


def test_constraint_names_follow_the_naming_convention() -> None:
    names = {str(c.name) for c in invoices.constraints}
    assert {"pk_invoices", "uq_invoices_external_id", "ck_invoices_amount_paid"} <= names
    assert "fk_invoices_customer_id_customers" in names


def _table() -> Table:
    return Table(
        "t",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("currency", String(3)),
        Column("note", Text),
    )


def test_column_lists_follow_the_table_and_leave_out_what_they_are_told() -> None:
    table = _table()
    assert column_list(columns_of(table)) == "id, currency, note"
    assert column_list(columns_of(table, without=("note",)), alias="x") == "x.id, x.currency"


def test_leaving_out_a_column_the_table_lacks_is_an_error() -> None:
    with pytest.raises(KeyError, match="notes"):
        columns_of(_table(), without=("notes",))


def test_unnest_arrays_cast_to_base_types_never_truncating_ones() -> None:
    """``CAST(x AS varchar(3)[])`` would cut "EURO" to "EUR"; ``text[]`` lets the column
    reject it."""
    table = _table()
    assert element_type(table.c.currency) == "text"
    assert unnest_arrays(columns_of(table), first=4) == "$4::integer[], $5::text[], $6::text[]"

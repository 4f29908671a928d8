"""The one ``MetaData`` every context's ``models.py`` defines its tables on, with the naming
convention, the column types they share and ``TableModel``, the base of the SQLModel
classes that declare them.

The naming convention gives every constraint a predictable name, so Alembic migrations
and the error mapping (``constraint_name`` -> domain error) can rely on it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import registry
from sqlalchemy.types import UserDefinedType
from sqlmodel import SQLModel


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id (``pg_current_xact_id()``)."""

    cache_ok = True

    def get_col_spec(self, **_: object) -> str:
        return "xid8"


NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TableModel(SQLModel, registry=registry(metadata=metadata)):
    """The base of every table model: its own registry, so the tables land on ``metadata``
    (with its naming convention), never on ``SQLModel.metadata``, which stays empty.

    A table model only declares its table, for Alembic and Core: the repositories query
    the module-level ``Table`` (``Model.__table__``) and map rows to domain dataclasses
    themselves; no model is ever instantiated, validated or returned by the API.

    Every field names its SQL type (``sa_type``): SQLModel's own choice (``VARCHAR`` for
    ``str``, ``Uuid``, naive timestamps) would differ from the migrations. ``X | None`` makes
    a column nullable; the rest are NOT NULL. No field has a default, so SQLAlchemy never
    adds a client-side one to an INSERT.
    """

    __table__: ClassVar[Table]


# What a JSONB column holds, in a table model's annotation.
JSON = dict[str, Any] | list[Any]

ID = UUID(as_uuid=True)

MONEY = Numeric(20, 4)

RATE = Numeric(10, 6)

TIMESTAMP = DateTime(timezone=True)


def created_now() -> Column[object]:
    return Column("created_at", TIMESTAMP, nullable=False, server_default=func.now())


def unscanned(marker: str) -> str:
    """A scan queue's condition: the row was not yet scanned for its current due date."""
    return f"{marker} IS DISTINCT FROM due_date"


# --- Column lists for SQL text, from the tables (so a hand-written statement cannot name a
# column the table lacks, or miss one it gains). ---


def columns_of(table: Table, *, without: Collection[str] = ()) -> tuple[Column[Any], ...]:
    """``table``'s columns in its order, but those named in ``without`` (which must exist)."""
    unknown = set(without) - set(table.c.keys())
    if unknown:
        raise KeyError(f"{table.name} has no column {sorted(unknown)}")
    return tuple(c for c in table.c if c.name not in without)


def column_list(columns: Sequence[Column[Any]], alias: str = "") -> str:
    """``id, customer_id, ...``, each qualified by ``alias`` when given."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + c.name for c in columns)


# Most specific first: SmallInteger and BigInteger are Integers, every String a Text's base.
_ELEMENT_TYPES: tuple[tuple[type[Any], str], ...] = (
    (UUID, "uuid"),
    (String, "text"),
    (Numeric, "numeric"),
    (DateTime, "timestamptz"),
    (Date, "date"),
    (SmallInteger, "smallint"),
    (BigInteger, "bigint"),
    (Integer, "integer"),
    (Boolean, "boolean"),
    (JSONB, "jsonb"),
)


def element_type(column: Column[Any]) -> str:
    """The type a column's values are cast to in an ``unnest`` array: the base type (``text``,
    ``numeric``), never the column's own (a cast to ``varchar(3)`` would truncate silently
    what the column itself rejects)."""
    for sql_type, name in _ELEMENT_TYPES:
        if isinstance(column.type, sql_type):
            return name
    raise TypeError(f"no array element type for {column.table}.{column.name}")


def unnest_arrays(columns: Sequence[Column[Any]], first: int = 1) -> str:
    """asyncpg's positional parameters ``$1::uuid[], $2::text[], ...``, one array per column."""
    return ", ".join(f"${first + i}::{element_type(c)}[]" for i, c in enumerate(columns))

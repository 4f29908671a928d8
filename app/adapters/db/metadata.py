"""The one ``MetaData`` every context's ``models.py`` defines its tables on, with the naming
convention, the column types they share and ``TableModel``, the base of the SQLModel
classes that declare them.

The naming convention gives every constraint a predictable name, so Alembic migrations
and the error mapping (``constraint_name`` -> domain error) can rely on it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import (
    Column,
    DateTime,
    MetaData,
    Numeric,
    Table,
    func,
)
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
    """

    __table__: ClassVar[Table]


# What a JSONB column holds; a table model's field needs a concrete type (``Any`` would
# tell SQLModel nothing about nullability).
JSON = dict[str, Any] | list[Any]

MONEY = Numeric(20, 4)

RATE = Numeric(10, 6)

TIMESTAMP = DateTime(timezone=True)


def created_now() -> Column[object]:
    return Column("created_at", TIMESTAMP, nullable=False, server_default=func.now())


def unscanned(marker: str) -> str:
    """A scan queue's condition: the row was not yet scanned for its current due date."""
    return f"{marker} IS DISTINCT FROM due_date"

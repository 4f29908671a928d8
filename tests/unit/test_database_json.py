"""The JSON the database path writes (outbox events, ingested documents) is the text the
standard library wrote before orjson: compact, non-ASCII as is, Decimals in plain notation."""

from __future__ import annotations

import json
from decimal import Decimal
from uuid import UUID

import pytest

from app.adapters.db.engine import dumps

ID = UUID("0196f2a1-7c3e-7d10-8a2b-3c4d5e6f7a8b")


def stdlib(value: object) -> str:
    def default(item: object) -> str:
        if isinstance(item, Decimal):
            return format(item, "f")
        if isinstance(item, UUID):
            return str(item)
        raise TypeError(type(item).__name__)

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=default)


@pytest.mark.parametrize(
    "value",
    [
        {"name": "客户 “甲”", "note": 'tab\there, quote " and \\ slash'},
        {"amount": Decimal("1E+2"), "small": Decimal("0.10"), "negative": Decimal("-3.500")},
        {"id": ID, "ids": [ID, ID], "nested": {"list": [1, 2, (3, 4)], "none": None}},
        {"flag": True, "count": 0, "big": 2**53, "text": "\u2028 line separator"},
        {1: "int key", "key": [{"a": []}, {}]},
    ],
)
def test_dumps_writes_what_the_standard_library_wrote(value: object) -> None:
    assert dumps(value) == stdlib(value)


def test_dumps_refuses_what_it_cannot_write() -> None:
    with pytest.raises(TypeError):
        dumps({"x": object()})

"""Resources as the API shows them, as JSON-ready dicts: the helpers every context's
``documents`` module uses.

Both the HTTP responses and the event payloads are built from those modules, so an
event's ``data.object`` is exactly what ``GET`` on the resource returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from app.domain.events import changes_document, rfc3339
from app.domain.money import Money


def jsonable(value: Any) -> Any:
    """Turn domain values into JSON-ready ones: Money -> str, UUID -> str, dates -> ISO."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, Money):
        return value.to_wire()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    raise TypeError(f"cannot express {type(value).__name__} in JSON")


def changes_json(changed: dict[str, tuple[Any, Any]]) -> dict[str, Any]:
    return jsonable(changes_document(changed))  # type: ignore[no-any-return]


# Fields that change with every write and say nothing about what changed.
_BOOKKEEPING = frozenset({"version", "updated_at"})


def document_changes(before: Mapping[str, object], after: Mapping[str, object]) -> dict[str, Any]:
    """``{field: {"from", "to"}}`` for the top-level fields that differ between documents."""
    return {
        name: {"from": before.get(name), "to": value}
        for name, value in after.items()
        if name not in _BOOKKEEPING and before.get(name) != value
    }

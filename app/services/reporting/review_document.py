"""The progress review as a JSON document: the period, then every section in order with
its column keys and its rows (amounts as strings in the currency's minor units, ratios as
decimal strings, days as ISO dates, counts as numbers; unknown values null)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from app.domain.money import Money
from app.domain.reporting.review import Cell, ProgressReview, Section


def wire(value: Cell) -> str | int | None:
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, Money):
        return value.to_wire()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    return value


def section_document(section: Section) -> dict[str, Any]:
    return {
        "key": section.key,
        "available": section.available,
        "columns": list(section.columns),
        "rows": [{c: wire(row.get(c)) for c in section.columns} for row in section.rows],
    }


def review_document(review: ProgressReview) -> dict[str, Any]:
    return {
        "from": review.period.start.isoformat(),
        "to": review.period.end.isoformat(),
        "previous_from": review.previous.start.isoformat(),
        "previous_to": review.previous.end.isoformat(),
        "next_from": review.following.start.isoformat(),
        "next_to": review.following.end.isoformat(),
        "today": review.today.isoformat(),
        "currency": review.currency,
        "org_unit_id": None if review.org_unit_id is None else str(review.org_unit_id),
        "org_unit_name": review.org_unit_name,
        "sections": [section_document(s) for s in review.sections],
    }

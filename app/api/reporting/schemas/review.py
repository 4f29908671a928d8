"""The progress review's JSON answer: the period and every section as a table."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from app.domain.reporting.review import SECTION_KEYS

SectionKey = Literal[SECTION_KEYS]  # type: ignore[valid-type]


class ReviewSectionOut(BaseModel):
    key: SectionKey = Field(description="Which section; its title is in the catalogue")
    available: bool = Field(description="False: the service does not hold these data yet (no rows)")
    columns: list[str] = Field(description="The rows' keys, in display order")
    rows: list[dict[str, str | int | None]] = Field(
        description="Amounts are strings in the currency's minor units, ratios decimal "
        "strings, days ISO dates, counts numbers; unknown values null"
    )


class ProgressReviewOut(BaseModel):
    from_: date = Field(alias="from")
    to: date
    previous_from: date
    previous_to: date
    next_from: date
    next_to: date
    today: date
    currency: str | None
    org_unit_id: str | None
    org_unit_name: str | None = Field(description="The unit's name, with `org_unit_id`")
    sections: list[ReviewSectionOut]

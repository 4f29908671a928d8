"""The event feed: CloudEvents 1.0 envelopes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.api.schemas import Timestamp


class CloudEventOut(BaseModel):
    specversion: str = Field(examples=["1.0"])
    id: str
    source: str = Field(examples=["/huikuan"])
    type: str = Field(examples=["invoice.paid"])
    subject: str = Field(examples=["invoices/0193a0c4-8d2e-7c3a-9f1e-2b4c6d8e0f12"])
    time: Timestamp
    datacontenttype: str = Field(examples=["application/json"])
    data: dict[str, Any]


class EventFeedOut(BaseModel):
    data: list[CloudEventOut]
    next_cursor: str | None = Field(
        description="Pass as ?after= next time. The feed never ends: it is present even when "
        "nothing new came (null only before the first event)."
    )

"""Interactions: each contact with a customer, as a record of what was said and agreed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from app.domain.errors import ValidationFailed

MAX_SUMMARY_LENGTH = 4000
MAX_OUTCOME_LENGTH = 2000
# A contact logged "in the future" beyond this is a typo (a day covers time-zone slips).
FUTURE_TOLERANCE = timedelta(days=1)


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    MEETING = "meeting"
    VISIT = "visit"
    IM = "im"
    LETTER = "letter"


@dataclass(frozen=True, slots=True)
class Interaction:
    """Immutable once recorded: a correction is a new interaction."""

    id: UUID
    customer_id: UUID
    channel: Channel
    occurred_at: datetime
    summary: str
    created_at: datetime
    recorded_by: str
    invoice_id: UUID | None = None
    outcome: str | None = None
    recorded_by_user: str | None = None
    promise_id: UUID | None = None


def validate_interaction(interaction: Interaction, now: datetime) -> None:
    summary = interaction.summary.strip()
    if not summary:
        raise ValidationFailed("summary must not be empty", ("summary",))
    if len(summary) > MAX_SUMMARY_LENGTH:
        raise ValidationFailed("summary is too long", ("summary",))
    if interaction.outcome is not None and len(interaction.outcome) > MAX_OUTCOME_LENGTH:
        raise ValidationFailed("outcome is too long", ("outcome",))
    if interaction.occurred_at.tzinfo is None:
        raise ValidationFailed("occurred_at needs a time zone offset", ("occurred_at",))
    if interaction.occurred_at > now + FUTURE_TOLERANCE:
        raise ValidationFailed("occurred_at is in the future", ("occurred_at",))

"""Interactions: each contact with a customer, as a record of what was said and agreed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from app.domain.errors import ValidationFailed
from app.domain.evidence import EvidenceLink

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


# Channels on which a demand leaves a trace a court accepts.
DEMAND_CHANNELS = frozenset({Channel.LETTER, Channel.EMAIL, Channel.VISIT})


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
    demand: bool = False  # a demand for payment (interrupts the limitation period with evidence)
    evidence: tuple[EvidenceLink, ...] = ()

    @property
    def interrupts_limitation(self) -> bool:
        """A demand with evidence, in writing or in person (PRC Civil Code art. 195)."""
        return self.demand and bool(self.evidence) and self.channel in DEMAND_CHANNELS


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

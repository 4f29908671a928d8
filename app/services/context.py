"""What every use case receives besides its unit of work: time, ids and who is acting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

from app.domain.destinations import DestinationPolicy
from app.domain.events import Actor, EventType, OutboxEvent
from app.domain.i18n import Locale


class Clock(Protocol):
    """The one source of time. ``today`` is the calendar date in HUIKUAN_TIMEZONE."""

    def now(self) -> datetime: ...

    def today(self) -> date: ...

    @property
    def zone(self) -> ZoneInfo:
        """HUIKUAN_TIMEZONE, in which ``today`` and every calendar day are reckoned."""


class ClockControl(Protocol):
    """The test clock's controls (HUIKUAN_TEST_CLOCK=true only)."""

    def now(self) -> datetime: ...

    async def move_to(self, moment: datetime) -> bool:
        """Jump forward to ``moment``; False when it lies before the clock's now."""


class IdGenerator(Protocol):
    def new_id(self) -> UUID: ...


@dataclass(frozen=True, slots=True)
class Context:
    clock: Clock
    ids: IdGenerator
    actor: Actor
    promise_grace_days: int = 0  # HUIKUAN_PROMISE_GRACE_DAYS
    # Where webhook endpoints may point (HUIKUAN_WEBHOOK_ALLOW_NETWORKS, _DENY_PRIVATE).
    destinations: DestinationPolicy = field(default_factory=DestinationPolicy)
    default_currency: str = "CNY"  # HUIKUAN_DEFAULT_CURRENCY: for customers created without one
    unbilled_after_days: int = 7  # HUIKUAN_UNBILLED_AFTER_DAYS: for figures that show it
    locale: Locale = "zh-CN"  # HUIKUAN_LOCALE: the language of generated task titles
    limitation_years: int = 3  # HUIKUAN_LIMITATION_YEARS
    limitation_warn_days: tuple[int, ...] = (180, 90, 30)  # HUIKUAN_LIMITATION_WARN_DAYS

    def record(self, action: str, subject: str, data: dict[str, Any]) -> OutboxEvent:
        """A change for the audit trail only (``UnitOfWork.add_audit``), shaped as an event."""
        return OutboxEvent(
            id=self.ids.new_id(),
            type=action,
            subject=subject,
            time=self.clock.now(),
            data={**data, "actor": self.actor.as_dict()},
        )

    def event(self, type_: EventType, subject: str, data: dict[str, Any]) -> OutboxEvent:
        """A new outbound event stamped with this context's clock, a fresh id and the actor."""
        return OutboxEvent(
            id=self.ids.new_id(),
            type=type_,
            subject=subject,
            time=self.clock.now(),
            data={**data, "actor": self.actor.as_dict()},
        )

"""Pacing per chat endpoint: at most N messages in any minute, as the platforms allow
(e.g. 20 a minute per robot), by waiting, never by dropping.

A send reserves the next free moment in its endpoint's window synchronously (no await
between looking and reserving), so concurrent sends of one endpoint queue up in order.
A reservation further away than ``budget_s`` is not taken: the delivery is tried again
when the minute has room, so a waiting send never outlives its lease.
"""

from __future__ import annotations

import bisect
import time
from uuid import UUID

WINDOW_S = 60.0


class Pacer:
    def __init__(self, budget_s: float) -> None:
        self.budget_s = budget_s
        self._sent: dict[UUID, list[float]] = {}  # sorted moments, reserved or past

    def reserve(self, endpoint_id: UUID, per_minute: int, now: float | None = None) -> float | None:
        """Seconds to wait before sending (0: now), the moment reserved; None when that is
        beyond the budget (nothing reserved)."""
        now = time.monotonic() if now is None else now
        sent = self._sent.setdefault(endpoint_id, [])
        del sent[: bisect.bisect_right(sent, now - WINDOW_S)]
        at = now if len(sent) < per_minute else max(now, sent[-per_minute] + WINDOW_S)
        if at - now > self.budget_s:
            return None
        bisect.insort(sent, at)
        return at - now

    def wait_hint(self, endpoint_id: UUID, per_minute: int, now: float | None = None) -> float:
        """Seconds until this endpoint's window has room again."""
        now = time.monotonic() if now is None else now
        sent = self._sent.get(endpoint_id) or []
        if len(sent) < per_minute:
            return 0.0
        return max(sent[-per_minute] + WINDOW_S - now, 0.0)

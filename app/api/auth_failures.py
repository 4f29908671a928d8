"""Failed authentications: counted by reason, and logged at most once a second per address.

A flood of bad keys must neither flood the log nor grow memory: the first failure from an
address is logged at once, the next ones in its window are only counted and logged as one
summary when the window has passed (at the next failure from anyone). Never the key.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request

from app.api.metrics import count_auth_failure

log = logging.getLogger("huikuan.auth")

# When this many addresses have a window open, further ones share one: memory stays bounded.
MAX_ADDRESSES = 10_000
OTHERS = "other addresses"


@dataclass(slots=True)
class _Window:
    opened: float  # when the address's last line was written
    pending: Counter[str] = field(default_factory=Counter)  # failures since, by reason


class FailureLog:
    """Writes the failure log lines; one per ``interval`` seconds per client address."""

    def __init__(
        self,
        interval: float = 1.0,
        max_addresses: int = MAX_ADDRESSES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.max_addresses = max_addresses
        self.clock = clock
        self._windows: OrderedDict[str, _Window] = OrderedDict()  # oldest first

    def __len__(self) -> int:
        return len(self._windows)

    def record(self, address: str, reason: str, method: str, path: str) -> None:
        now = self.clock()
        self._close_windows(now)
        if address not in self._windows and len(self._windows) >= self.max_addresses:
            address = OTHERS
        window = self._windows.get(address)
        if window is not None:
            window.pending[reason] += 1
            return
        self._windows[address] = _Window(now)
        log.warning(
            "authentication failed (%s) from %s: %s %s",
            reason,
            address,
            method,
            path,
            extra={"client": address, "reason": reason},
        )

    def _close_windows(self, now: float) -> None:
        """Windows older than the interval end; one that counted failures is summarised,
        and a new window opens with its line, so the address keeps to one line a second."""
        while self._windows:
            address, window = next(iter(self._windows.items()))
            if now - window.opened < self.interval:
                return
            del self._windows[address]
            if window.pending:
                total = sum(window.pending.values())
                log.warning(
                    "%d more failed authentications from %s in %.0f s",
                    total,
                    address,
                    now - window.opened,
                    extra={"client": address, "failures": dict(window.pending)},
                )
                self._windows[address] = _Window(now)


def record_failure(request: Request, reason: str) -> None:
    """Count a refused request and log it (rate-limited); the key itself is never seen."""
    count_auth_failure(reason)
    failures: FailureLog | None = getattr(request.app.state, "auth_failures", None)
    if failures is not None:
        address = request.client.host if request.client else "unknown"
        failures.record(address, reason, request.method, request.url.path)

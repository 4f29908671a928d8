"""Identifiers: UUIDv7 (RFC 9562), time-ordered so that id order is creation order."""

from __future__ import annotations

import os
import threading
import time
from uuid import UUID


class Uuid7Generator:
    """Monotonic within a process: a counter breaks ties inside one millisecond."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._counter = 0

    def new_id(self) -> UUID:
        random = int.from_bytes(os.urandom(10))  # 62 bits of rand_b, 10 to seed the counter
        with self._lock:
            ms = time.time_ns() // 1_000_000
            if ms <= self._last_ms:
                ms = self._last_ms
                self._counter += 1
                if self._counter > 0xFFF:
                    ms += 1
                    self._counter = 0
            else:
                self._counter = (random >> 64) & 0x3FF
            self._last_ms = ms
            rand_b = random & ((1 << 62) - 1)
            value = (ms & ((1 << 48) - 1)) << 80
            value |= 0x7 << 76
            value |= self._counter << 64
            value |= 0b10 << 62
            value |= rand_b
            return UUID(int=value)

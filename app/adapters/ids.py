"""Identifiers: UUIDv7 (RFC 9562), time-ordered so that id order is creation order."""

from __future__ import annotations

import os
import threading
import time
from uuid import UUID

RANDOM_BYTES_PER_READ = 4096


class Uuid7Generator:
    """Monotonic within a process: a counter breaks ties inside one millisecond.

    The random bits come from the operating system's CSPRNG, read a few kilobytes at a
    time rather than ten bytes per id (a system call each: a few percent of ingestion's
    CPU)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._counter = 0
        self._random = b""
        self._offset = 0

    def _random_int(self) -> int:
        """Ten fresh random bytes as an integer (the caller holds the lock)."""
        if self._offset + 10 > len(self._random):
            self._random, self._offset = os.urandom(RANDOM_BYTES_PER_READ), 0
        start, self._offset = self._offset, self._offset + 10
        return int.from_bytes(self._random[start : self._offset])

    def new_id(self) -> UUID:
        with self._lock:
            random = self._random_int()  # 62 bits of rand_b, 10 to seed the counter
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

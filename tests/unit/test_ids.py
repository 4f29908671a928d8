"""UUIDv7 ids: RFC 9562 layout, strictly increasing within a process, never repeated."""

from __future__ import annotations

import time
import uuid

from app.adapters.ids import RANDOM_BYTES_PER_READ, Uuid7Generator


def test_ids_are_version_7_with_the_rfc_variant_and_the_current_time() -> None:
    before = time.time_ns() // 1_000_000
    made = Uuid7Generator().new_id()
    after = time.time_ns() // 1_000_000
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert before <= made.int >> 80 <= after + 1  # +1: a counter overflow moves a millisecond on


def test_many_ids_increase_strictly_and_never_repeat() -> None:
    ids = Uuid7Generator()
    count = 3 * RANDOM_BYTES_PER_READ  # several refills of the random bytes
    made = [ids.new_id() for _ in range(count)]
    assert made == sorted(made)
    assert len(set(made)) == count
    # rand_b (the low 62 bits) is random, not a counter: hardly two alike.
    assert len({m.int & ((1 << 62) - 1) for m in made}) == count

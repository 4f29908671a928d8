"""The failed-authentication log keeps bounded memory and a bounded number of lines, whatever
the number of addresses a flood comes from."""

from __future__ import annotations

import logging

import pytest

from app.api.auth_failures import OTHERS, FailureLog


def test_a_flood_from_many_addresses_stays_bounded(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="huikuan.auth")
    now = [0.0]
    failures = FailureLog(max_addresses=100, clock=lambda: now[0])
    for n in range(20_000):
        failures.record(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", "unknown", "GET", "/")
        now[0] += 0.00001  # 20,000 failures in a fifth of a second
    assert len(failures) == 101  # 100 addresses and the one window they overflow into
    assert len(caplog.records) == 101
    assert caplog.records[-1].getMessage().endswith(f"from {OTHERS}: GET /")
    now[0] += 1.0
    failures.record("192.0.2.1", "scope", "GET", "/")
    # The windows without further failures closed; the shared one was summarised.
    summaries = [r for r in caplog.records if "more failed" in r.getMessage()]
    assert [r.getMessage() for r in summaries] == [
        f"19899 more failed authentications from {OTHERS} in 1 s"
    ]
    assert len(failures) == 2  # the shared window, reopened, and the new address

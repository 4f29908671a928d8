"""The relay runs in serve and worker unless HUIKUAN_RELAY_ENABLED=false."""

from __future__ import annotations

import pytest

from app.bootstrap import RelayService, build_runtime
from app.settings import Settings


async def test_the_relay_is_a_background_service_unless_disabled(database_url: str) -> None:
    for enabled, expected in ((True, [RelayService]), (False, [])):
        settings = Settings(
            database_url=database_url, migrate_on_start=False, relay_enabled=enabled
        )
        runtime = await build_runtime(settings)
        try:
            assert [type(s) for s in runtime.background] == expected
            await runtime.start_background()
        finally:
            await runtime.close()


def test_a_lease_shorter_than_two_attempts_is_refused() -> None:
    with pytest.raises(ValueError, match="HUIKUAN_RELAY_LEASE_S"):
        Settings(webhook_timeout_s=10, relay_lease_s=15)

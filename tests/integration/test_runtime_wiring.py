"""The relay and the scheduler run in serve and worker unless HUIKUAN_RELAY_ENABLED=false or
HUIKUAN_SCHEDULER_ENABLED=false; the admin's run-now works either way. Import jobs run
unless HUIKUAN_IMPORT_ENABLED=false."""

from __future__ import annotations

import pytest

from app.adapters.intake.import_worker import ImportWorker
from app.adapters.scheduling.service import SchedulerService
from app.bootstrap import RelayService, build_runtime
from app.domain.collection.worklist_weights import Weights
from app.settings import Settings


@pytest.mark.parametrize(
    ("relay", "scheduler", "expected"),
    [
        (True, True, [RelayService, SchedulerService]),
        (True, False, [RelayService]),
        (False, True, [SchedulerService]),
        (False, False, []),
    ],
)
async def test_background_services_follow_the_settings(
    database_url: str, relay: bool, scheduler: bool, expected: list[type]
) -> None:
    settings = Settings(
        database_url=database_url,
        migrate_on_start=False,
        relay_enabled=relay,
        scheduler_enabled=scheduler,
        scheduler_first_run_delay_s=3600,
        ingest_sweep_seconds=0,
        import_enabled=False,
    )
    runtime = await build_runtime(settings)
    try:
        assert [type(s) for s in runtime.background] == expected
        assert runtime.platform.jobs is not None
        await runtime.start_background()
    finally:
        await runtime.close()


def test_a_lease_shorter_than_two_attempts_is_refused() -> None:
    with pytest.raises(ValueError, match="HUIKUAN_RELAY_LEASE_S"):
        Settings(webhook_timeout_s=10, relay_lease_s=15)


def test_the_summary_time_must_be_a_time_of_day() -> None:
    assert Settings(overdue_summary_at="7:30").overdue_summary_at == "07:30"
    with pytest.raises(ValueError, match="time of day"):
        Settings(overdue_summary_at="25:00")


def test_the_webhook_allow_list_must_be_networks() -> None:
    settings = Settings(webhook_allow_networks="127.0.0.0/8, ::1", webhook_deny_private=True)
    assert [str(n) for n in settings.destinations.allow] == ["127.0.0.0/8", "::1/128"]
    assert settings.destinations.deny_private
    assert Settings(webhook_allow_networks="").destinations.allow == ()
    with pytest.raises(ValueError, match="'localhost' is not a network"):
        Settings(webhook_allow_networks="localhost")


async def test_the_parked_event_sweeper_runs_unless_its_interval_is_zero(database_url: str) -> None:
    from app.services.intake.sweeper import ParkedEventSweeper

    settings = Settings(
        database_url=database_url,
        migrate_on_start=False,
        relay_enabled=False,
        scheduler_enabled=False,
        ingest_sweep_seconds=30,
    )
    runtime = await build_runtime(settings)
    try:
        assert [type(s) for s in runtime.background] == [ParkedEventSweeper, ImportWorker]
        assert runtime.platform.import_wake is not None
    finally:
        await runtime.close()


async def test_the_worklist_weights_reach_the_platform(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        migrate_on_start=False,
        worklist_weights='{"promise_due_today": 35, "amount_units": {"JPY": 150000}}',
    )
    runtime = await build_runtime(settings, with_background=False)
    try:
        weights = runtime.platform.worklist_weights
        assert weights.promise_due_today == 35
        assert weights.amount_unit("JPY") == 150_000
        assert weights.days_overdue == Weights().days_overdue
    finally:
        await runtime.close()

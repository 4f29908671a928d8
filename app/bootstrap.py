"""Composition root: builds the adapters from settings and hands them to the services."""

from __future__ import annotations

import functools
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.clock import SystemClock, TestClock, TestClockSync
from app.adapters.db.access.idempotency import SqlIdempotencyStore
from app.adapters.db.engine import create_engine
from app.adapters.db.health import DatabaseReadiness
from app.adapters.db.migrate import upgrade
from app.adapters.db.outbox_signal import OutboxSignal
from app.adapters.db.uow import OUTBOX_CHANNEL, SqlUnitOfWorkFactory
from app.adapters.delivery.metrics import refresh_outbox_gauges, refresh_stream_lag
from app.adapters.delivery.relay import Relay, RelayConfig
from app.adapters.delivery.sender import WebhookSender
from app.adapters.delivery.stream import StreamPublisher, StreamSettings
from app.adapters.embedded_pg import start_embedded_postgres
from app.adapters.ids import Uuid7Generator
from app.adapters.intake.import_worker import ImportWorker
from app.adapters.intake.spreadsheets import SpreadsheetFiles
from app.adapters.scheduling.metrics import OverdueAmountGauge
from app.adapters.scheduling.runner import LockedJobRunner
from app.adapters.scheduling.service import JobSchedule, SchedulerService, daily, every
from app.api.app import create_app
from app.api.intake.metrics import count_released
from app.domain.events import Actor
from app.services.access.api_keys import KeyCache, ensure_bootstrap_key
from app.services.access.idempotency import IdempotencyPolicy
from app.services.context import Clock
from app.services.controls.gate import ControlsGate
from app.services.delivery.delivery import DeliveryPolicy
from app.services.delivery.ports import DeliveryUnitOfWorkFactory
from app.services.intake.sweeper import ParkedEventSweeper
from app.services.jobs import JobParams
from app.services.platform import ImportPolicy, IngestPolicy, Platform
from app.services.reactions import REACTIONS
from app.services.unit_of_work import in_transaction
from app.settings import Settings

log = logging.getLogger("huikuan")


class BackgroundService(Protocol):
    """Something that runs beside the API: the relay, the scheduler."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Runtime:
    settings: Settings
    database_url: str
    engine: AsyncEngine
    platform: Platform
    signal: OutboxSignal | None = None  # wakes the relays after commits with events
    background: list[BackgroundService] = field(default_factory=list)

    async def start_background(self) -> None:
        for service in self.background:
            await service.start()

    async def close(self) -> None:
        for service in reversed(self.background):
            await service.stop()
        if self.signal is not None:
            await self.signal.close()
        await self.engine.dispose()


def database_url(settings: Settings) -> str:
    """The configured URL, or an embedded PostgreSQL's when none is configured."""
    if settings.database_url:
        return settings.database_url
    return start_embedded_postgres(settings.data_dir)


async def build_runtime(settings: Settings, *, with_background: bool = True) -> Runtime:
    url = database_url(settings)
    if settings.migrate_on_start:
        await upgrade(url)
    engine = create_engine(
        url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    clock = TestClock(settings.zone, engine) if settings.test_clock else SystemClock(settings.zone)
    ids = Uuid7Generator()
    signal = OutboxSignal(engine, OUTBOX_CHANNEL)
    platform = Platform(
        uow=SqlUnitOfWorkFactory(engine, REACTIONS, signal),
        clock=clock,
        ids=ids,
        idempotency=SqlIdempotencyStore(engine),
        readiness=DatabaseReadiness(engine),
        idempotency_policy=IdempotencyPolicy.from_hours(
            settings.idempotency_retention_hours, settings.idempotency_lease_seconds
        ),
        key_cache=KeyCache(clock, timedelta(seconds=settings.auth_cache_seconds)),
        clock_control=clock if isinstance(clock, TestClock) else None,
        promise_grace_days=settings.promise_grace_days,
        ingest=IngestPolicy(settings.ingest_max_events, settings.ingest_secret),
        imports=ImportPolicy(settings.import_max_bytes),
        import_files=SpreadsheetFiles(),
        worklist_weights=settings.worklist_weight_table,
        unbilled_after_days=settings.unbilled_after_days,
        destinations=settings.destinations,
        default_currency=settings.default_currency,
        company_name=settings.company_name,
        limitation_years=settings.limitation_years,
        limitation_warn_days=settings.limitation_warn_table,
        gate=ControlsGate(expire_days=settings.approval_expire_days),
        locale=settings.locale,
    )
    platform.metric_refreshers.append(lambda: refresh_outbox_gauges(platform.uow(), clock))
    if settings.nats_url:
        platform.metric_refreshers.append(lambda: refresh_stream_lag(platform.uow()))
    platform.jobs = build_job_runner(settings, engine, clock, platform.metric_refreshers, signal)
    if settings.bootstrap_api_key:
        await in_transaction(
            platform.uow(), ensure_bootstrap_key, clock, ids, settings.bootstrap_api_key
        )
    runtime = Runtime(
        settings=settings, database_url=url, engine=engine, platform=platform, signal=signal
    )
    if with_background:
        runtime.background.extend(background_services(runtime))
    return runtime


def background_services(runtime: Runtime) -> list[BackgroundService]:
    """The relay, the scheduler, the parked-event sweep and the import worker, as the
    settings allow."""
    services: list[BackgroundService] = []
    platform = runtime.platform
    if isinstance(platform.clock, TestClock):
        services.append(TestClockSync(platform.clock))
    if runtime.settings.relay_enabled:
        services.append(RelayService.build(runtime))
    if runtime.settings.relay_enabled and runtime.settings.nats_url:
        services.append(StreamService.build(runtime))
    if runtime.settings.scheduler_enabled and platform.jobs is not None:
        services.append(build_scheduler(runtime.settings, platform))
    if runtime.settings.ingest_sweep_seconds > 0:
        services.append(
            ParkedEventSweeper(
                platform.uow,
                platform.context(Actor.system("ingest")),
                runtime.settings.ingest_sweep_seconds,
                on_released=count_released,
            )
        )
    if runtime.settings.import_enabled:
        settings = runtime.settings
        worker = ImportWorker(
            # Its statements are the ingestion path's: index lookups whatever their values.
            functools.partial(platform.uow, reuse_plans=True),
            platform.context(Actor.system("import")),
            lease_s=settings.import_lease_s,
            poll_s=settings.import_poll_s,
            spool_dir=settings.import_spool_dir,
        )
        platform.import_wake = worker.wake
        services.append(worker)
    return services


def job_params(settings: Settings) -> JobParams:
    return JobParams(
        batch_size=settings.scheduler_batch_size,
        due_soon_days=settings.due_soon_days,
        unbilled_after_days=settings.unbilled_after_days,
        outbox_retention_days=settings.outbox_retention_days,
        idempotency_retention_hours=settings.idempotency_retention_hours,
        audit_retention_days=settings.audit_retention_days,
        worklist_weights=settings.worklist_weights,
    )


def build_job_runner(
    settings: Settings,
    engine: AsyncEngine,
    clock: Clock,
    metric_refreshers: list[Callable[[], Awaitable[None]]] | None = None,
    signal: OutboxSignal | None = None,
) -> LockedJobRunner:
    """The runner behind the scheduler and the admin's run-now, on the process's pool (a job
    holds two connections while it runs: its lock and its current batch)."""
    uow = SqlUnitOfWorkFactory(engine, REACTIONS, signal)
    gauge = OverdueAmountGauge(uow, clock)
    if metric_refreshers is not None:
        metric_refreshers.append(gauge.refresh_if_stale)
    return LockedJobRunner(engine, uow, job_params(settings), after={"overdue-scan": gauge.refresh})


def job_schedules(settings: Settings, started: datetime) -> list[JobSchedule]:
    zone = settings.zone
    first = started + timedelta(seconds=settings.scheduler_first_run_delay_s)
    intervals = {
        "overdue-scan": settings.job_overdue_scan_s,
        "due-soon": settings.job_due_soon_s,
        "unbilled-scan": settings.job_unbilled_scan_s,
        "promise-check": settings.job_promise_check_s,
        "target-pace": settings.job_target_pace_s,
        "outbox-cleanup": settings.job_outbox_cleanup_s,
        "idempotency-cleanup": settings.job_idempotency_cleanup_s,
        "limitation-check": settings.job_limitation_check_s,
        "approval-expiry": settings.job_approval_expiry_s,
        "audit-retention": settings.job_audit_retention_s,
    }
    schedules = [every(job, seconds, zone, first) for job, seconds in intervals.items()]
    delay = timedelta(seconds=settings.scheduler_first_run_delay_s)
    schedules.append(daily("overdue-summary", settings.overdue_summary_time, zone, started, delay))
    schedules.append(daily("collector-digest", settings.digest_time, zone, started, delay))
    return schedules


def build_scheduler(settings: Settings, platform: Platform) -> SchedulerService:
    assert platform.jobs is not None
    ctx = platform.context(Actor.system("scheduler"))
    started = datetime.now(UTC)  # APScheduler schedules on wall-clock time
    return SchedulerService(platform.jobs, ctx, job_schedules(settings, started), settings.zone)


@dataclass
class RelayService:
    """The relay on a small pool of its own, so that it neither waits for the API's
    connections nor takes them; checked-out connections are not pinged first (a failed
    pass is simply tried again)."""

    relay: Relay
    engine: AsyncEngine

    @classmethod
    def build(cls, runtime: Runtime) -> RelayService:
        engine = create_engine(
            runtime.database_url,
            pool_size=3,
            max_overflow=2,
            pre_ping=False,
            application_name="huikuan-relay",
        )
        relay = build_relay(
            runtime.settings,
            runtime.platform,
            runtime.database_url,
            uow=SqlUnitOfWorkFactory(engine, REACTIONS),
        )
        if runtime.signal is not None:  # in this process, commits wake it directly
            runtime.signal.subscribe(relay.notify)
        return cls(relay, engine)

    async def start(self) -> None:
        await self.relay.start()

    async def stop(self) -> None:
        try:
            await self.relay.stop()
        finally:
            await self.engine.dispose()


def stream_settings(settings: Settings) -> StreamSettings:
    assert settings.nats_url is not None
    return StreamSettings(
        nats_url=settings.nats_url,
        max_age_days=settings.stream_max_age_days,
        duplicate_window_s=settings.stream_duplicate_window_s,
        batch_size=settings.stream_batch_size,
        poll_s=settings.stream_poll_s,
    )


@dataclass
class StreamService:
    """The JetStream publisher on a pool of its own: its lock's connection, and two for work
    (a batch's cursor update overlaps the next batch's read)."""

    publisher: StreamPublisher
    engine: AsyncEngine

    @classmethod
    def build(cls, runtime: Runtime) -> StreamService:
        engine = create_engine(
            runtime.database_url,
            pool_size=3,
            max_overflow=1,
            pre_ping=False,
            application_name="huikuan-stream",
        )
        publisher = StreamPublisher(
            uow=SqlUnitOfWorkFactory(engine, REACTIONS),
            engine=engine,
            clock=runtime.platform.clock,
            settings=stream_settings(runtime.settings),
            database_url=runtime.database_url,
            channel=OUTBOX_CHANNEL,
        )
        if runtime.signal is not None:  # in this process, commits wake it directly
            runtime.signal.subscribe(publisher.notify)
        return cls(publisher, engine)

    async def start(self) -> None:
        await self.publisher.start()

    async def stop(self) -> None:
        try:
            await self.publisher.stop()
        finally:
            await self.engine.dispose()


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        schedule=settings.retry_schedule,
        disable_after=settings.disable_after,
        lease=timedelta(seconds=settings.relay_lease_s),
    )


def build_relay(
    settings: Settings,
    platform: Platform,
    database_url: str | None,
    *,
    uow: DeliveryUnitOfWorkFactory | None = None,
) -> Relay:
    """The outbox relay; ``database_url`` None means no LISTEN, polling only."""
    sender = WebhookSender(
        timeout_s=settings.webhook_timeout_s,
        max_idle_per_origin=settings.relay_endpoint_concurrency,
        wall_clock=SystemClock(settings.zone),
        destinations=settings.destinations,
        locale=settings.locale,
        # A paced chat message still fits in its lease (see the sender's slots).
        pacing_budget_s=max(settings.relay_lease_s / 2 - settings.webhook_timeout_s - 1, 0),
    )
    config = RelayConfig(
        policy=delivery_policy(settings),
        poll_s=settings.relay_poll_s,
        gather_s=settings.relay_gather_s,
        batch_size=settings.relay_batch_size,
        concurrency=settings.relay_concurrency,
        endpoint_concurrency=settings.relay_endpoint_concurrency,
        shutdown_grace_s=settings.relay_shutdown_grace_s,
    )
    return Relay(
        uow=uow or platform.uow,
        clock=platform.clock,
        ids=platform.ids,
        sender=sender,
        config=config,
        database_url=database_url,
        channel=OUTBOX_CHANNEL,
    )


def create_web_app(settings: Settings | None = None, *, with_background: bool = True) -> FastAPI:
    """The API (plus, by default, the relay and scheduler) as one ASGI app."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await build_runtime(settings, with_background=with_background)
        app.state.platform = runtime.platform
        app.state.runtime = runtime
        await runtime.start_background()
        # What start-up allocated lives as long as the process: keep it out of the
        # collector's passes, and collect the young generation less often (a request
        # allocates thousands of short-lived objects); together a fifth of a large
        # ingest batch's CPU.
        gc.freeze()
        gc.set_threshold(10_000, 20, 20)
        try:
            yield
        finally:
            await runtime.close()

    return create_app(
        max_body_bytes=settings.max_body_bytes,
        ingest_max_body_bytes=settings.ingest_max_body_bytes,
        import_max_bytes=settings.import_max_bytes,
        lifespan=lifespan,
        cors_origins=settings.cors_origin_list,
    )

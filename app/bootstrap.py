"""Composition root: builds the adapters from settings and hands them to the services."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.clock import SystemClock, TestClock, TestClockSync
from app.adapters.db.engine import create_engine
from app.adapters.db.health import DatabaseReadiness
from app.adapters.db.idempotency import SqlIdempotencyStore
from app.adapters.db.migrate import upgrade
from app.adapters.db.uow import SqlUnitOfWorkFactory
from app.adapters.embedded_pg import start_embedded_postgres
from app.adapters.ids import Uuid7Generator
from app.api.app import create_app
from app.api.metrics import count_released
from app.services.api_keys import KeyCache, ensure_bootstrap_key
from app.services.idempotency import IdempotencyPolicy
from app.services.ingest.sweeper import ParkedEventSweeper
from app.services.platform import IngestPolicy, Platform
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
    background: list[BackgroundService] = field(default_factory=list)

    async def start_background(self) -> None:
        for service in self.background:
            await service.start()

    async def close(self) -> None:
        for service in reversed(self.background):
            await service.stop()
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
    platform = Platform(
        uow=SqlUnitOfWorkFactory(engine),
        clock=clock,
        ids=ids,
        idempotency=SqlIdempotencyStore(engine),
        readiness=DatabaseReadiness(engine),
        idempotency_policy=IdempotencyPolicy.from_hours(
            settings.idempotency_retention_hours, settings.idempotency_lease_seconds
        ),
        key_cache=KeyCache(clock, timedelta(seconds=settings.auth_cache_seconds)),
        clock_control=clock if isinstance(clock, TestClock) else None,
        ingest=IngestPolicy(settings.ingest_max_events, settings.ingest_secret),
    )
    if settings.bootstrap_api_key:
        await ensure_bootstrap_key(platform.uow(), clock, ids, settings.bootstrap_api_key)
    runtime = Runtime(settings=settings, database_url=url, engine=engine, platform=platform)
    if with_background:
        runtime.background.extend(background_services(runtime))
    return runtime


def background_services(runtime: Runtime) -> list[BackgroundService]:
    """The relay, the scheduler and the parked-event sweep, as the settings allow."""
    services: list[BackgroundService] = []
    platform = runtime.platform
    if isinstance(platform.clock, TestClock):
        services.append(TestClockSync(platform.clock))
    if runtime.settings.ingest_sweep_seconds > 0:
        services.append(
            ParkedEventSweeper(
                platform.uow,
                platform.clock,
                platform.ids,
                runtime.settings.ingest_sweep_seconds,
                on_released=count_released,
            )
        )
    return services


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
        lifespan=lifespan,
    )

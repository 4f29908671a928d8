"""Relay fixtures: relays built as ``huikuan serve`` builds them, and a real receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.delivery.relay import Relay
from app.bootstrap import build_relay
from app.domain.events import Actor, EventType, OutboxEvent
from app.services.delivery.webhooks import EndpointWithSecret, NewEndpoint, create_endpoint
from app.services.platform import Platform
from app.services.unit_of_work import in_transaction
from app.settings import Settings
from tests.conftest import LOCAL_NETWORKS
from tests.integration.jobs import Jobs
from tests.receiver import Receiver

RelayStarter = Callable[..., Awaitable[Relay]]

TEST_DELIVERY_SETTINGS: dict[str, Any] = {
    "relay_poll_s": 0.05,
    "webhook_timeout_s": 1.0,
    "relay_lease_s": 2.5,
    "relay_shutdown_grace_s": 2.0,
    "relay_endpoint_concurrency": 4,
    "relay_concurrency": 32,
    "webhook_retry_schedule": "5,300,1800",
    "webhook_allow_networks": LOCAL_NETWORKS,
}


def relay_settings(**overrides: Any) -> Settings:
    return Settings(**{**TEST_DELIVERY_SETTINGS, **overrides})


@pytest.fixture
async def relays(platform: Platform, database_url: str) -> AsyncIterator[RelayStarter]:
    """Start relays (stopped gracefully at the end); ``listen=False`` means polling only."""
    started: list[Relay] = []

    async def start(
        settings: Settings | None = None, *, listen: bool = True, on: Platform | None = None
    ) -> Relay:
        relay = build_relay(
            settings or relay_settings(), on or platform, database_url if listen else None
        )
        await relay.start()
        started.append(relay)
        return relay

    yield start
    for relay in reversed(started):
        await relay.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = await Receiver().start()
    yield server
    await server.stop()


async def subscribe(
    platform: Platform, url: str, event_types: tuple[str, ...] = ("*",)
) -> EndpointWithSecret:
    ctx = platform.context(Actor("test"))
    return await in_transaction(platform.uow(), create_endpoint, ctx, NewEndpoint(url, event_types))


async def emit(
    platform: Platform, count: int = 1, event_type: str = "invoice.paid"
) -> list[OutboxEvent]:
    """Commit ``count`` events, one transaction each, as use cases do."""
    ctx = platform.context(Actor("test"))
    events = []
    for number in range(count):
        event = ctx.event(
            EventType(event_type), f"invoices/{number}", {"object": {"number": number}}
        )
        async with platform.uow() as uow:
            uow.add_event(event)
            await uow.commit()
        events.append(event)
    return events


@pytest.fixture
def jobs(platform: Platform, db: AsyncEngine) -> Jobs:
    """Run scheduled jobs on the test database (batches of two)."""
    return Jobs(platform, db)

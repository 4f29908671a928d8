"""Reliability fixtures: service subprocesses on the run's database, a real receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import LOCAL_NETWORKS
from tests.receiver import Receiver
from tests.reliability.processes import KEY, ServiceProcess

# Short schedules so that a test sees retries, leases and polls within seconds.
FAST = {
    "HUIKUAN_BOOTSTRAP_API_KEY": KEY,
    "HUIKUAN_LOG_LEVEL": "INFO",
    "HUIKUAN_RELAY_POLL_S": "0.2",
    "HUIKUAN_WEBHOOK_TIMEOUT_S": "2",
    "HUIKUAN_RELAY_LEASE_S": "5",
    "HUIKUAN_WEBHOOK_RETRY_SCHEDULE": "1,1,2,2,3,3,5,5,5,5",
    "HUIKUAN_AUTH_CACHE_SECONDS": "0",
    "HUIKUAN_WEBHOOK_ALLOW_NETWORKS": LOCAL_NETWORKS,
}

Spawn = Callable[..., ServiceProcess]
Figure = Callable[[str], None]

# What the tests measured, printed at the end of the run (docs/guarantees.md
# quotes them).
FIGURES: list[str] = []


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Figure:
    def note(text: str) -> None:
        FIGURES.append(f"{request.node.name}: {text}")

    return note


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("reliability figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def spawn(database_url: str, db: AsyncEngine, tmp_path: Path) -> Iterator[Spawn]:
    """Start `huikuan serve` or `worker` on the run's database; all are stopped at the end."""
    started: list[ServiceProcess] = []

    def start(command: str = "serve", **env: str) -> ServiceProcess:
        name = f"{command}-{len(started)}"
        process = ServiceProcess(
            command=command,
            env={"DATABASE_URL": database_url, **FAST, **env},
            log_path=tmp_path / f"{name}.log",
        )
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = await Receiver().start()
    yield server
    await server.stop()


def client(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=30,
        limits=httpx.Limits(max_connections=32),
    )

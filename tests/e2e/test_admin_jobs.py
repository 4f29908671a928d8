"""POST /v1/admin/jobs/{job}/run with the test clock: create data, move the clock forward,
run a job, see what would happen on that day."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.clock import TestClock
from app.adapters.scheduling.runner import LockedJobRunner
from app.api.app import create_app
from app.bootstrap import build_job_runner
from app.services.platform import Platform
from app.settings import Settings
from tests.conftest import ADMIN_SECRET
from tests.e2e.receivables import customer, events, invoice, ok


@dataclass
class Service:
    api: httpx.AsyncClient
    clock: TestClock
    runner: LockedJobRunner


@pytest.fixture
async def service(platform: Platform, db: AsyncEngine, admin_secret: str) -> AsyncIterator[Service]:
    settings = Settings(test_clock=True)
    clock = TestClock(settings.zone, db)
    refreshers = list(platform.metric_refreshers)
    runner = build_job_runner(settings, db, clock, refreshers)
    wired = replace(
        platform, clock=clock, clock_control=clock, jobs=runner, metric_refreshers=refreshers
    )
    transport = httpx.ASGITransport(app=create_app(wired))
    headers = {"Authorization": f"Bearer {ADMIN_SECRET}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        yield Service(c, clock, runner)


async def test_move_the_clock_and_run_a_job(service: Service, db: AsyncEngine) -> None:
    api = service.api
    today = service.clock.today()
    c = await customer(api)
    bill = await invoice(
        api,
        c["id"],
        issued_on=today.isoformat(),
        due_date=(today + timedelta(days=1)).isoformat(),
        amount="2500.00",
    )
    nothing = ok(await api.post("/v1/admin/jobs/overdue-scan/run"))
    assert (nothing["job"], nothing["outcome"], nothing["findings"], nothing["events"]) == (
        "overdue-scan",
        "ok",
        0,
        0,
    )

    later = datetime.now(UTC) + timedelta(days=20)
    ok(await api.put("/v1/admin/clock", json={"now": later.isoformat()}))
    ran = ok(await api.post("/v1/admin/jobs/overdue-scan/run"))

    # 19 days late: overdue, dunning level 2 (with a task), the overdue flag raised low.
    assert (ran["examined"], ran["findings"], ran["events"]) == (1, 3, 4)
    assert ran["duration_ms"] >= 0
    shown = ok(await api.get(f"/v1/invoices/{bill['id']}"))
    assert (shown["overdue"], shown["days_overdue"], shown["dunning_level"]) == (True, 19, 2)
    types = [e["type"] for e in await events(db)][-4:]
    assert sorted(types) == [
        "invoice.dunning_level_changed",
        "invoice.overdue",
        "risk.raised",
        "task.created",
    ]

    again = ok(await api.post("/v1/admin/jobs/overdue-scan/run"))
    assert (again["findings"], again["events"]) == (0, 0)

    metrics = (await api.get("/metrics")).text
    assert 'huikuan_scheduler_runs_total{job="overdue-scan",outcome="ok"}' in metrics
    assert 'huikuan_scheduler_run_duration_seconds_count{job="overdue-scan"}' in metrics
    assert 'huikuan_receivables_overdue_amount{currency="CNY"} 2500.0' in metrics


async def test_every_job_runs_and_unknown_ones_are_404(service: Service) -> None:
    for job in (
        "overdue-scan",
        "overdue-summary",
        "due-soon",
        "promise-check",
        "target-pace",
        "outbox-cleanup",
        "idempotency-cleanup",
        "collector-digest",
    ):
        ran = ok(await service.api.post(f"/v1/admin/jobs/{job}/run"))
        assert (ran["job"], ran["outcome"]) == (job, "ok")
    unknown = await service.api.post("/v1/admin/jobs/backup/run")
    assert unknown.status_code == 404
    assert "overdue-scan" in unknown.json()["detail"]


async def test_idempotency_cleanup_forgets_keys_past_the_retention(
    service: Service, db: AsyncEngine
) -> None:
    api, key = service.api, {"Idempotency-Key": "order-1"}
    created = ok(await api.post("/v1/customers", json={"name": "A"}, headers=key), 201)
    assert ok(await api.post("/v1/admin/jobs/idempotency-cleanup/run"))["examined"] == 0
    replayed = ok(await api.post("/v1/customers", json={"name": "A"}, headers=key), 201)
    assert replayed["id"] == created["id"]

    later = datetime.now(UTC) + timedelta(hours=25)  # past HUIKUAN_IDEMPOTENCY_RETENTION_HOURS
    ok(await api.put("/v1/admin/clock", json={"now": later.isoformat()}))
    ran = ok(await api.post("/v1/admin/jobs/idempotency-cleanup/run"))
    assert (ran["job"], ran["outcome"], ran["examined"]) == ("idempotency-cleanup", "ok", 1)
    async with db.connect() as conn:
        left = await conn.execute(text("SELECT count(*) FROM idempotency_keys"))
        assert left.scalar_one() == 0


async def test_a_job_running_elsewhere_is_409(service: Service) -> None:
    async with service.runner.lock("due-soon") as held:
        assert held
        busy = await service.api.post("/v1/admin/jobs/due-soon/run")
    assert busy.status_code == 409
    assert "running in another process" in busy.json()["detail"]
    assert ok(await service.api.post("/v1/admin/jobs/due-soon/run"))["outcome"] == "ok"


async def test_without_a_runner_the_route_is_404(api: httpx.AsyncClient) -> None:
    answer = await api.post("/v1/admin/jobs/overdue-scan/run")
    assert answer.status_code == 404
    assert answer.json()["detail"] == "this process does not run jobs"

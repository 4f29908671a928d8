"""One runner at a time per job (the advisory lock), once per finding even when forced to
run twice at once (the findings table), and a crash in the middle that the next run
finishes without redoing anything."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.uow import SqlUnitOfWorkFactory
from app.adapters.scheduling.runner import LockedJobRunner
from app.domain.events import Actor
from app.services.jobs import JobResult
from app.services.platform import Platform
from app.services.reactions import REACTIONS
from app.services.scheduling.registry import JobOutcome
from tests.e2e.collection import task
from tests.e2e.receivables import contract, customer, invoice
from tests.integration.jobs import TINY, Crash, FaultyUow, Jobs


def runs(outcome: str, job: str = "overdue-scan") -> float:
    value = REGISTRY.get_sample_value(
        "huikuan_scheduler_runs_total", {"job": job, "outcome": outcome}
    )
    return value or 0.0


async def overdue_invoices(api: httpx.AsyncClient, count: int) -> None:
    """Invoices one day late (2026-11-26): each is overdue, dunning level 1, flagged low."""
    c = await customer(api)
    for number in range(count):
        await invoice(api, c["id"], external_id=f"LATE-{number}", due_date="2026-11-26")


async def test_a_second_runner_skips_while_the_first_runs(
    api: httpx.AsyncClient, platform: Platform, db: AsyncEngine, jobs: Jobs
) -> None:
    await overdue_invoices(api, 5)
    ctx = platform.context(Actor.system("scheduler"))
    release = asyncio.Event()
    held = FaultyUow(db, pause=release)
    first = LockedJobRunner(db, held, TINY)
    second = LockedJobRunner(db, SqlUnitOfWorkFactory(db, REACTIONS), TINY)
    skipped_before = runs("skipped")

    running = asyncio.create_task(first.run("overdue-scan", ctx))
    await held.paused.wait()  # the first is inside the job, holding its lock
    other = await second.run("overdue-scan", ctx)
    assert (other.outcome, other.result) == (JobOutcome.SKIPPED, JobResult())
    assert runs("skipped") == skipped_before + 1
    release.set()
    done = await running

    assert done.outcome is JobOutcome.OK
    assert (done.result.examined, done.result.findings) == (5, 15)
    assert (await jobs.types())["invoice.overdue"] == 5
    # The lock is free again.
    assert (await second.run("overdue-scan", ctx)).outcome is JobOutcome.OK


async def test_two_runs_forced_at_once_emit_each_finding_once(
    api: httpx.AsyncClient, jobs: Jobs
) -> None:
    c = await customer(api)
    await contract(
        api,
        c["id"],
        installments=[
            {"name": f"第{n}期", "due_date": f"2026-11-{10 + n}", "percent": "20"} for n in range(5)
        ],
    )
    for number in range(7):
        await invoice(api, c["id"], external_id=f"LATE-{number}", due_date="2026-11-20")
        await task(api, due_date="2026-11-20")
    before = await jobs.types()

    # Without the runner's lock: the use case twice, concurrently, on the same rows.
    one, two = await asyncio.gather(jobs.run("overdue-scan"), jobs.run("overdue-scan"))

    assert await jobs.types() - before == Counter(
        {
            "invoice.overdue": 7,
            "invoice.dunning_level_changed": 7,
            "risk.raised": 7,
            "installment.overdue": 5,
            "task.overdue": 7,
        }
    )
    assert one.findings + two.findings == 7 * 3 + 5 + 7
    assert one.events + two.events == 7 * 3 + 5 + 7
    assert await jobs.count("findings") == 7 * 3 + 5 + 7


async def test_a_crash_mid_run_loses_one_batch_and_the_rerun_redoes_nothing(
    api: httpx.AsyncClient, platform: Platform, db: AsyncEngine, jobs: Jobs
) -> None:
    await overdue_invoices(api, 5)
    ctx = platform.context(Actor.system("scheduler"))
    errors_before = runs("error")
    crashing = LockedJobRunner(db, FaultyUow(db, crash_at=2), TINY)

    with pytest.raises(Crash):
        await crashing.run("overdue-scan", ctx)

    assert runs("error") == errors_before + 1
    # The first batch (two invoices) committed; the second rolled back whole.
    assert await jobs.types() == Counter(
        {
            "customer.created": 1,
            "invoice.created": 5,
            "invoice.overdue": 2,
            "invoice.dunning_level_changed": 2,
            "risk.raised": 2,
        }
    )
    assert await jobs.count("findings") == 6

    rerun = await LockedJobRunner(db, SqlUnitOfWorkFactory(db, REACTIONS), TINY).run(
        "overdue-scan", ctx
    )

    assert (rerun.outcome, rerun.result) == (JobOutcome.OK, JobResult(3, 9, 9))
    types = await jobs.types()
    assert [
        types[t] for t in ("invoice.overdue", "invoice.dunning_level_changed", "risk.raised")
    ] == [
        5,
        5,
        5,
    ]
    assert await jobs.count("findings") == 15
    assert await jobs.count("invoices", "dunning_level = 1") == 5
    assert await jobs.run("overdue-scan") == JobResult(0, 0, 0)

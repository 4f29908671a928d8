"""Prometheus metrics of the outbox, the webhook deliveries, the scheduler and the overdue
receivables."""

from __future__ import annotations

import time

from prometheus_client import Counter, Gauge, Histogram

from app.services.delivery import outbox_backlog
from app.services.jobs.overdue_scan import overdue_amounts
from app.services.jobs.registry import JOB_NAMES, JobOutcome
from app.services.ports import Clock, UnitOfWork
from app.services.scheduler_ports import SchedulerUnitOfWorkFactory

OUTBOX_PENDING = Gauge(
    "huikuan_outbox_pending",
    "Work the relays should be doing now: events not yet fanned out plus deliveries due.",
)
OUTBOX_OLDEST_AGE = Gauge(
    "huikuan_outbox_oldest_pending_age_seconds",
    "How long the oldest of that work has waited (0 when there is none).",
)
WEBHOOK_DELIVERIES = Counter(
    "huikuan_webhook_deliveries_total",
    "Webhook attempts by outcome: delivered, retry (will be tried again), failed (gave up), "
    "discarded (the lease was lost or the endpoint disabled meanwhile).",
    ["outcome"],
)
WEBHOOK_DURATION = Histogram(
    "huikuan_webhook_delivery_duration_seconds",
    "Time from sending a webhook to its answer (or to the error).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
OUTCOMES = ("delivered", "retry", "failed", "discarded")
for _outcome in OUTCOMES:
    WEBHOOK_DELIVERIES.labels(_outcome)


async def refresh_outbox_gauges(uow: UnitOfWork, clock: Clock) -> None:
    """Read the backlog from the database (called before /metrics renders)."""
    backlog = await outbox_backlog(uow, clock)
    OUTBOX_PENDING.set(backlog.pending)
    age = (clock.now() - backlog.oldest).total_seconds() if backlog.oldest else 0.0
    OUTBOX_OLDEST_AGE.set(max(age, 0.0))


# --- The scheduler and receivables -------------------------------------------------------

SCHEDULER_RUNS = Counter(
    "huikuan_scheduler_runs_total",
    "Scheduled job runs by outcome: ok, skipped (another process held the job's lock), error.",
    ["job", "outcome"],
)
SCHEDULER_DURATION = Histogram(
    "huikuan_scheduler_run_duration_seconds",
    "How long a job run took (runs that got the lock).",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0),
)
OVERDUE_AMOUNT = Gauge(
    "huikuan_receivables_overdue_amount",
    "What open invoices past their due date have outstanding, per currency.",
    ["currency"],
)
for _job in JOB_NAMES:
    for _run_outcome in JobOutcome:
        SCHEDULER_RUNS.labels(_job, _run_outcome.value)


class OverdueAmountGauge:
    """Keeps ``huikuan_receivables_overdue_amount`` current: after each overdue scan, and on
    a scrape when the last reading is older than ``max_age_s`` (the sum reads every overdue
    open invoice, so scrapes don't repeat it every few seconds)."""

    def __init__(self, uow: SchedulerUnitOfWorkFactory, clock: Clock, max_age_s: float = 60.0):
        self.uow = uow
        self.clock = clock
        self.max_age_s = max_age_s
        self._read_at: float | None = None
        self._currencies: set[str] = set()

    async def refresh(self) -> None:
        amounts = await overdue_amounts(self.uow(), self.clock)
        seen = {m.currency for m in amounts}
        for money in amounts:
            OVERDUE_AMOUNT.labels(money.currency).set(float(money.amount))
        for currency in self._currencies - seen:
            OVERDUE_AMOUNT.labels(currency).set(0)
        self._currencies |= seen
        self._read_at = time.monotonic()

    async def refresh_if_stale(self) -> None:
        if self._read_at is None or time.monotonic() - self._read_at >= self.max_age_s:
            await self.refresh()

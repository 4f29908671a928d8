"""Prometheus metrics of the outbox and the webhook deliveries (the scheduler's and the
overdue receivables' are in ``app/adapters/scheduling/metrics.py``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from app.services.context import Clock
from app.services.delivery.delivery import outbox_backlog
from app.services.delivery.ports import DeliveryUnitOfWork
from app.services.delivery.stream import stream_lag_seconds

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


async def refresh_outbox_gauges(uow: DeliveryUnitOfWork, clock: Clock) -> None:
    """Read the backlog from the database (called before /metrics renders)."""
    async with uow:
        backlog = await outbox_backlog(uow, clock)
    OUTBOX_PENDING.set(backlog.pending)
    age = (clock.now() - backlog.oldest).total_seconds() if backlog.oldest else 0.0
    OUTBOX_OLDEST_AGE.set(max(age, 0.0))


STREAM_PUBLISHED = Counter(
    "huikuan_stream_published_total",
    "Events JetStream acknowledged on HUIKUAN_EVENTS (a republished copy counts again).",
)
STREAM_LAG = Gauge(
    "huikuan_stream_lag_seconds",
    "How long the oldest event not yet published to the stream has waited (0: none).",
)


async def refresh_stream_lag(uow: DeliveryUnitOfWork) -> None:
    """Read the publisher's lag from the database, so every replica reports it."""
    async with uow:
        STREAM_LAG.set(await stream_lag_seconds(uow))

"""Relay use cases: fan events out to deliveries, lease the due ones, write back outcomes.

The relay adapter (``app/adapters/delivery``) runs these in a loop, each in a unit of work
it opens and commits, and does the HTTP; the rules (what an outcome means, when an endpoint
is given up) come from the domain.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from uuid import UUID

from app.domain.delivery.delivery import (
    AttemptResult,
    Decision,
    DeliveryAttempt,
    DeliveryStatus,
    RetrySchedule,
    decide,
    failing_for,
    should_disable,
)
from app.services.context import Clock, Context
from app.services.delivery.ports import AttemptRecord, Backlog, DeliveryJob, DeliveryUnitOfWork
from app.services.delivery.webhooks import disable_for_cause

log = logging.getLogger("huikuan.relay")


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    schedule: RetrySchedule
    disable_after: timedelta
    lease: timedelta


@dataclass(frozen=True, slots=True)
class SendOutcome:
    job: DeliveryJob
    result: AttemptResult


@dataclass(frozen=True, slots=True)
class RecordedOutcome:
    job: DeliveryJob
    decision: Decision
    written: bool


async def fan_out_and_claim(
    uow: DeliveryUnitOfWork,
    clock: Clock,
    policy: DeliveryPolicy,
    *,
    fan_out: int,
    claim: int,
    per_endpoint: int,
    held: Mapping[UUID, int],
) -> tuple[int, Sequence[DeliveryJob]]:
    """In the relay's transaction: create the deliveries of up to ``fan_out`` new events (0: none),
    then lease up to ``claim`` due deliveries, at most ``per_endpoint`` per endpoint
    counting the ``held`` ones. Returns how many events were fanned out and the leases."""
    now = clock.now()
    fanned = 0
    if fan_out > 0:
        fanned = await uow.delivery_queue.fan_out_events(fan_out, policy.schedule.max_attempts, now)
    jobs: Sequence[DeliveryJob] = []
    if claim > 0:
        jobs = await uow.delivery_queue.claim_due_deliveries(
            claim, per_endpoint=per_endpoint, busy=held, lease=policy.lease, now=now
        )
        jobs = await _with_names(uow, jobs)
    return fanned, jobs


def _id_in(job: DeliveryJob, key: str) -> UUID | None:
    """``data.object.<key>``, else ``data.<key>``, as a UUID (None when absent or not one)."""
    data = job.event.data
    document = data.get("object")
    found = document.get(key) if isinstance(document, dict) else None
    try:
        return UUID(str(found or data.get(key)))
    except ValueError:
        return None


async def _with_names(
    uow: DeliveryUnitOfWork, jobs: Sequence[DeliveryJob]
) -> Sequence[DeliveryJob]:
    """Chat messages name the customer, the invoice and the contract's owner; events carry
    their ids."""
    chat = [job for job in jobs if job.format.is_chat]
    if not chat:
        return jobs
    wanted = {
        job.delivery_id: (
            _id_in(job, "customer_id"),
            _id_in(job, "invoice_id"),
            _id_in(job, "contract_id"),
        )
        for job in chat
    }

    def ids(index: int) -> list[UUID]:
        return sorted({key for k in wanted.values() if (key := k[index]) is not None})

    names = await uow.subject_names.customer_names(ids(0))
    numbers = await uow.subject_names.invoice_numbers(ids(1))
    owners = await uow.subject_names.contract_owners(ids(2))
    named = []
    for job in jobs:
        if job.delivery_id not in wanted:
            named.append(job)
            continue
        customer, invoice, contract = wanted[job.delivery_id]
        named.append(
            replace(
                job,
                customer_name=names.get(customer) if customer else None,
                invoice_number=numbers.get(invoice) if invoice else None,
                owner=owners.get(contract) if contract else None,
            )
        )
    return named


def _decide_one(outcome: SendOutcome, schedule: RetrySchedule) -> tuple[SendOutcome, Decision]:
    """The outcome's decision; one that cannot be decided becomes a failed attempt with the
    reason as its error (retried on the schedule), so that it never holds up the others."""
    job, result = outcome.job, outcome.result
    try:
        return outcome, decide(result, job.attempt, job.allowed_attempts, schedule)
    except Exception as exc:
        log.warning("could not decide a webhook outcome", exc_info=True)
        reason = f"the answer could not be read ({type(exc).__name__}: {exc})"
        error = f"{result.error}; {reason}" if result.error else reason
    failed = SendOutcome(job, replace(result, error=error[:500], retry_after=None))
    try:
        return failed, decide(failed.result, job.attempt, job.allowed_attempts, schedule)
    except Exception:  # not even the schedule applies (a time out of range): give up
        return failed, Decision(DeliveryStatus.FAILED)


def _decide_each(
    outcomes: Sequence[SendOutcome], schedule: RetrySchedule
) -> tuple[list[SendOutcome], list[Decision]]:
    decided = [_decide_one(o, schedule) for o in outcomes]
    return [o for o, _ in decided], [d for _, d in decided]


def _storable(text: str | None) -> str | None:
    """Text PostgreSQL accepts: no NUL, valid UTF-8 (an error may quote the receiver)."""
    if text is None:
        return None
    return text.encode("utf-8", "replace").decode().replace("\x00", "\ufffd")


def _record(outcome: SendOutcome, decision: Decision) -> AttemptRecord:
    result = outcome.result
    return AttemptRecord(
        delivery_id=outcome.job.delivery_id,
        lease_token=outcome.job.lease_token,
        attempt=DeliveryAttempt(
            number=outcome.job.attempt,
            at=result.at,
            duration_ms=round(result.duration.total_seconds() * 1000),
            status_code=result.status_code,
            error=_storable(result.error),
            next_attempt_at=decision.next_attempt_at,
        ),
        status=decision.status,
        next_attempt_at=decision.next_attempt_at,
        delivered_at=result.at if decision.status is DeliveryStatus.DELIVERED else None,
    )


async def record_outcomes(
    uow: DeliveryUnitOfWork, ctx: Context, policy: DeliveryPolicy, outcomes: Sequence[SendOutcome]
) -> list[RecordedOutcome]:
    """Write back what the attempts gave, track each endpoint's failure streak, and disable
    endpoints that answered 410 Gone or have failed everything for too long.

    An outcome tells about its endpoint even when the lease was lost meanwhile (another
    relay took the delivery over), so the endpoint rules use every outcome. Endpoint rows
    are locked before delivery rows, so that relays recording at once lock in one order.
    """
    now = ctx.clock.now()
    outcomes, decisions = _decide_each(outcomes, policy.schedule)
    succeeded = {o.job.endpoint_id for o in outcomes if o.result.succeeded}
    # Only a streak seen at claim time needs ending: the common, healthy case writes nothing.
    healthy = sorted(
        {o.job.endpoint_id for o in outcomes if o.result.succeeded and o.job.endpoint_failing}
    )
    failing = sorted({o.job.endpoint_id for o in outcomes if not o.result.succeeded} - succeeded)
    to_disable: dict[UUID, str] = {}
    if healthy:
        await uow.webhook_endpoints.mark_healthy(healthy)
    if failing:
        streaks = await uow.webhook_endpoints.mark_failing(failing, now)
        hours = policy.disable_after.total_seconds() / 3600
        for endpoint_id, since in sorted(streaks.items()):
            if should_disable(since, now, policy.disable_after):
                to_disable[endpoint_id] = failing_for(hours)
    for outcome, decision in zip(outcomes, decisions, strict=True):
        if decision.disable_endpoint:
            to_disable[outcome.job.endpoint_id] = decision.disable_endpoint
    written = await uow.delivery_queue.record_attempts(
        [_record(o, d) for o, d in zip(outcomes, decisions, strict=True)]
    )
    for endpoint_id, reason in sorted(to_disable.items()):
        await disable_for_cause(uow, ctx, endpoint_id, reason)
    return [
        RecordedOutcome(o.job, d, o.job.delivery_id in written)
        for o, d in zip(outcomes, decisions, strict=True)
    ]


async def release_claims(uow: DeliveryUnitOfWork, tokens: Sequence[UUID]) -> int:
    """Give back leases a stopping relay will not use."""
    if not tokens:
        return 0
    return await uow.delivery_queue.release_claims(tokens)


async def outbox_backlog(uow: DeliveryUnitOfWork, clock: Clock) -> Backlog:
    """Events not yet fanned out plus deliveries due now, and the oldest one's time."""
    return await uow.delivery_queue.backlog(clock.now())

"""Webhook use cases with fakes: events on disabling, outcomes and the endpoint rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from app.domain.delivery.delivery import (
    AttemptResult,
    DeliveryStatus,
    RetrySchedule,
    WebhookDelivery,
)
from app.domain.events import OutboxEvent
from app.services.delivery.delivery import DeliveryPolicy, SendOutcome, record_outcomes
from app.services.delivery.ports import DeliveryJob
from app.services.delivery.webhooks import NewEndpoint, create_endpoint, update_endpoint
from app.services.unit_of_work import in_transaction
from tests.fakes import FakeUnitOfWork, FixedClock, context

POLICY = DeliveryPolicy(
    schedule=RetrySchedule.parse("5,300"),
    disable_after=timedelta(hours=120),
    lease=timedelta(seconds=60),
)


async def new_endpoint(uow: FakeUnitOfWork, clock: FixedClock) -> UUID:
    created = await in_transaction(
        uow, create_endpoint, context(clock), NewEndpoint("https://erp.example.com/h", ("*",))
    )
    return created.endpoint.id


def leased_delivery(uow: FakeUnitOfWork, clock: FixedClock, endpoint_id: UUID) -> DeliveryJob:
    event = OutboxEvent(uuid4(), "invoice.paid", "invoices/1", clock.now(), {"object": {}})
    delivery = WebhookDelivery(
        id=uuid4(),
        endpoint_id=endpoint_id,
        event_id=event.id,
        event_type=event.type,
        status=DeliveryStatus.PENDING,
        attempt_count=0,
        allowed_attempts=3,
        created_at=clock.now(),
        updated_at=clock.now(),
        next_attempt_at=clock.now(),
    )
    token = uuid4()
    uow.webhook_deliveries.rows[delivery.id] = delivery
    uow.webhook_deliveries.lease_tokens[delivery.id] = token
    failing = uow.webhook_endpoints.rows[endpoint_id].failing_since is not None
    return DeliveryJob(
        delivery.id, token, endpoint_id, "https://x", event, 1, 3, ("whsec_AA==",), failing
    )


def answered(clock: FixedClock, job: DeliveryJob, status: int | None) -> SendOutcome:
    result = AttemptResult(clock.now(), timedelta(milliseconds=5), status, None if status else "x")
    return SendOutcome(job, result)


async def test_disabling_by_hand_fails_waiting_deliveries_and_emits_an_event() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock()
    endpoint_id = await new_endpoint(uow, clock)
    job = leased_delivery(uow, clock, endpoint_id)
    updated = await in_transaction(
        uow, update_endpoint, context(clock), endpoint_id, {"enabled": False}
    )
    assert updated.disabled_reason == "disabled by an administrator"
    assert uow.webhook_deliveries.rows[job.delivery_id].status is DeliveryStatus.FAILED
    [event] = uow.events
    assert event.type == "webhook_endpoint.disabled"
    assert event.data["changes"] == {"enabled": {"from": True, "to": False}}
    assert "secret" not in event.data["object"]


async def test_a_failure_streak_past_the_limit_disables_the_endpoint() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock()
    endpoint_id = await new_endpoint(uow, clock)
    first = leased_delivery(uow, clock, endpoint_id)
    [recorded] = await in_transaction(
        uow, record_outcomes, context(clock), POLICY, [answered(clock, first, 500)]
    )
    assert recorded.written
    assert recorded.decision.status is DeliveryStatus.PENDING
    assert uow.webhook_endpoints.rows[endpoint_id].failing_since == clock.now()
    started = clock.now()

    clock.advance(hours=120)
    second = leased_delivery(uow, clock, endpoint_id)
    await in_transaction(
        uow, record_outcomes, context(clock), POLICY, [answered(clock, second, None)]
    )
    endpoint = uow.webhook_endpoints.rows[endpoint_id]
    assert (endpoint.enabled, endpoint.disabled_reason) == (
        False,
        "every delivery failed for 120 hours",
    )
    assert endpoint.failing_since == started
    assert [e.type for e in uow.events] == ["webhook_endpoint.disabled"]
    assert uow.webhook_deliveries.rows[first.delivery_id].status is DeliveryStatus.FAILED


async def test_one_success_ends_the_streak() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock()
    endpoint_id = await new_endpoint(uow, clock)
    await in_transaction(
        uow,
        record_outcomes,
        context(clock),
        POLICY,
        [answered(clock, leased_delivery(uow, clock, endpoint_id), 500)],
    )
    clock.advance(hours=119)
    await in_transaction(
        uow,
        record_outcomes,
        context(clock),
        POLICY,
        [answered(clock, leased_delivery(uow, clock, endpoint_id), 200)],
    )
    assert uow.webhook_endpoints.rows[endpoint_id].failing_since is None
    clock.advance(hours=2)
    await in_transaction(
        uow,
        record_outcomes,
        context(clock),
        POLICY,
        [answered(clock, leased_delivery(uow, clock, endpoint_id), 500)],
    )
    assert uow.webhook_endpoints.rows[endpoint_id].enabled


async def test_an_outcome_whose_lease_was_lost_is_not_written() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock()
    endpoint_id = await new_endpoint(uow, clock)
    job = leased_delivery(uow, clock, endpoint_id)
    uow.webhook_deliveries.lease_tokens[job.delivery_id] = uuid4()  # another relay took it
    [recorded] = await in_transaction(
        uow, record_outcomes, context(clock), POLICY, [answered(clock, job, 200)]
    )
    assert not recorded.written
    assert uow.webhook_deliveries.rows[job.delivery_id].status is DeliveryStatus.PENDING


async def test_an_outcome_that_cannot_be_decided_is_a_failed_attempt_beside_the_others() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock()
    endpoint_id = await new_endpoint(uow, clock)
    healthy = leased_delivery(uow, clock, endpoint_id)
    odd = leased_delivery(uow, clock, endpoint_id)
    # An answer stamped at the end of time: its next attempt cannot even be computed.
    end_of_time = AttemptResult(datetime.max.replace(tzinfo=UTC), timedelta(0), 503, "HTTP 503")
    recorded = await in_transaction(
        uow,
        record_outcomes,
        context(clock),
        POLICY,
        [answered(clock, healthy, 200), SendOutcome(odd, end_of_time)],
    )
    assert [r.written for r in recorded] == [True, True]
    assert uow.webhook_deliveries.rows[healthy.delivery_id].status is DeliveryStatus.DELIVERED
    row = uow.webhook_deliveries.rows[odd.delivery_id]
    assert row.status is DeliveryStatus.FAILED
    assert row.last_error is not None
    assert row.last_error.startswith("HTTP 503; the answer could not be read (OverflowError")

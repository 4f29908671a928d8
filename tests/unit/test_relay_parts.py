"""The relay's in-memory parts: per-endpoint slots and the batching outcome recorder."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from app.adapters.delivery.recorder import OutcomeRecorder
from app.adapters.delivery.slots import DeliverySlots
from app.domain.delivery.delivery import AttemptResult
from app.domain.events import OutboxEvent
from app.services.delivery.delivery import SendOutcome
from app.services.delivery.ports import DeliveryJob

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def job(endpoint_id: UUID) -> DeliveryJob:
    event = OutboxEvent(uuid4(), "invoice.paid", "invoices/1", NOW, {})
    return DeliveryJob(uuid4(), uuid4(), endpoint_id, "http://x", event, 1, 8, ("whsec_AA==",))


def test_an_endpoint_sends_its_share_and_the_rest_waits_its_turn() -> None:
    slots = DeliverySlots(per_endpoint=2, overall=3)
    slow, other = uuid4(), uuid4()
    assert [slots.admit(job(slow)) for _ in range(4)] == [True, True, False, False]
    assert slots.held() == {slow: 4}
    assert slots.window == 4
    assert not slots.wants_more(slow)  # two wait: no claim needed yet
    assert slots.admit(job(other))
    assert not slots.admit(job(other))  # the overall limit (3) is reached
    assert slots.room() == 6 - 3 - 3

    started = slots.finish(slow)
    assert [j.endpoint_id for j in started] == [slow]
    assert slots.wants_more(slow)  # one waits, half of two: time to refill
    assert slots.finish(other, start_next=False) == []
    assert sorted(j.endpoint_id == other for j in slots.take_waiting()) == [False, True]


async def test_outcomes_are_written_in_batches_and_failures_handed_back() -> None:
    written: list[int] = []

    async def write(batch: list[SendOutcome]) -> None:
        written.append(len(batch))

    recorder = OutcomeRecorder(write, linger_s=0.01)
    running = asyncio.create_task(recorder.run())
    result = AttemptResult(NOW, timedelta(milliseconds=1), 200)
    for _ in range(5):
        recorder.add(SendOutcome(job(uuid4()), result))
    assert await recorder.close() == []
    await running
    assert written == [5]

    async def broken(batch: list[SendOutcome]) -> None:
        raise RuntimeError("database away")

    failing = OutcomeRecorder(broken, retry_s=0.001, linger_s=0)
    running = asyncio.create_task(failing.run())
    failing.add(SendOutcome(job(uuid4()), result))
    left = await failing.close()
    await running
    assert len(left) == 1


async def test_an_outcome_that_cannot_be_written_holds_back_only_itself() -> None:
    poison = SendOutcome(job(uuid4()), AttemptResult(NOW, timedelta(milliseconds=1), 503))
    written: list[SendOutcome] = []
    tries: list[int] = []

    async def write(batch: list[SendOutcome]) -> None:
        tries.append(len(batch))
        if poison in batch:
            raise ValueError("cannot store this one")
        written.extend(batch)

    recorder = OutcomeRecorder(write, retry_s=0.001, linger_s=0)
    running = asyncio.create_task(recorder.run())
    healthy = [
        SendOutcome(job(uuid4()), AttemptResult(NOW, timedelta(milliseconds=1), 200))
        for _ in range(4)
    ]
    for outcome in [healthy[0], poison, *healthy[1:]]:
        recorder.add(outcome)
    await asyncio.sleep(0.05)
    assert written == healthy  # written alone, at once, beside the one that failed
    assert await recorder.close() == []  # retried, then dropped: its lease expires
    await running
    assert tries[:6] == [5, 1, 1, 1, 1, 1]

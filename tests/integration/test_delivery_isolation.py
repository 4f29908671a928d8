"""One odd receiver never stalls the others: each outcome is decided and recorded on its own."""

from __future__ import annotations

from app.domain.delivery.delivery import DeliveryStatus
from app.services.platform import Platform
from tests.integration.conftest import RelayStarter, emit, subscribe
from tests.integration.helpers import all_are, deliveries_of
from tests.receiver import Receiver, Reply, eventually


async def test_an_unreadable_retry_after_stalls_neither_its_endpoint_nor_the_others(
    platform: Platform, relays: RelayStarter
) -> None:
    # "²" is a digit to str.isdigit() and not to int(): it used to fail the whole batch.
    odd = await Receiver(lambda _: Reply(503, {"Retry-After": "²"})).start()
    healthy = await Receiver().start()
    try:
        bad = await subscribe(platform, odd.url)
        good = await subscribe(platform, healthy.url)
        await emit(platform, 5)
        await relays()

        await eventually(all_are(DeliveryStatus.DELIVERED, 5, platform, good.endpoint.id), 5)

        async def attempted() -> bool:
            found = await deliveries_of(platform, bad.endpoint.id)
            return len(found) == 5 and all(d.attempt_count == 1 for d in found)

        await eventually(attempted, 5)
    finally:
        await odd.stop()
        await healthy.stop()
    for delivery in await deliveries_of(platform, bad.endpoint.id):
        [attempt] = delivery.attempts
        assert delivery.status is DeliveryStatus.PENDING
        assert (attempt.status_code, attempt.error) == (503, "HTTP 503 Service Unavailable")
        # The unreadable Retry-After is ignored: the schedule's first delay (5 s) applies.
        assert (attempt.next_attempt_at - attempt.at).total_seconds() == 5  # type: ignore[operator]
    assert len(healthy.received) == 5

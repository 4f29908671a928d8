"""Webhook delivery survives a receiver outage and a relay killed mid-delivery."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.receiver import Receiver, Reply, eventually
from tests.reliability.conftest import Figure, Spawn, client
from tests.reliability.workload import create_customers, event_ids, subscribe

EVENTS = 5_000


async def test_every_event_arrives_after_a_receiver_outage(
    spawn: Spawn, db: AsyncEngine, figure: Figure
) -> None:
    # Many short gaps: the outage outlasts several attempts but not the whole schedule.
    service = spawn("serve", HUIKUAN_WEBHOOK_RETRY_SCHEDULE=",".join(["1", "2", "3"] + ["5"] * 30))
    receiver = Receiver()  # not started: the endpoint refuses connections
    async with client(service.base_url) as api:
        await subscribe(api, receiver.url)
        await create_customers(api, EVENTS)
    produced = await event_ids(db)
    assert len(produced) == EVENTS
    assert receiver.received == []

    await receiver.start()
    back = time.monotonic()
    try:
        await eventually(lambda: set(receiver.ids()) >= produced, timeout=180, every=0.5)
        drained_s = time.monotonic() - back
    finally:
        await receiver.stop()
    ids = receiver.ids()
    assert set(ids) == produced  # each webhook-id at least once, nothing foreign
    assert len(set(ids)) == EVENTS
    figure(
        f"{EVENTS} events, {len(set(ids))} distinct webhook-ids received in {len(ids)} "
        f"requests, all within {drained_s:.1f} s after the receiver came back"
    )


async def test_a_relay_killed_mid_delivery_loses_nothing(
    spawn: Spawn, db: AsyncEngine, figure: Figure
) -> None:
    async def slowly(_: object) -> Reply:
        await asyncio.sleep(0.02)
        return Reply()

    receiver = await Receiver(slowly).start()
    try:
        api_only = spawn("serve", HUIKUAN_RELAY_ENABLED="false")
        async with client(api_only.base_url) as api:
            await subscribe(api, receiver.url)
            await create_customers(api, 2_000)
        produced = await event_ids(db)

        first = spawn("worker")
        await eventually(lambda: len(set(receiver.ids())) >= 300, timeout=60, every=0.05)
        first.kill()  # SIGKILL while deliveries are in flight
        delivered_before = set(receiver.ids())
        assert len(delivered_before) < len(produced), "the kill came too late to prove anything"

        spawn("worker")
        await eventually(lambda: set(receiver.ids()) >= produced, timeout=120, every=0.5)
    finally:
        await receiver.stop()
    ids = receiver.ids()
    assert set(ids) == produced
    figure(
        f"{len(produced)} events, {len(delivered_before)} delivered before the SIGKILL; "
        f"after a new worker, all {len(set(ids))} arrived ({len(ids) - len(set(ids))} redelivered)"
    )


async def test_a_receiver_with_an_odd_retry_after_stalls_no_other(
    spawn: Spawn, db: AsyncEngine, figure: Figure
) -> None:
    # "²" passes str.isdigit() and fails int(): once enough to stop every outcome's write.
    odd = await Receiver(lambda _: Reply(503, {"Retry-After": "²"})).start()
    healthy = await Receiver().start()
    try:
        service = spawn("serve")
        async with client(service.base_url) as api:
            bad = await subscribe(api, odd.url)
            good = await subscribe(api, healthy.url)
            started = time.monotonic()
            await create_customers(api, 50)
            produced = await event_ids(db)

            async def deliveries(endpoint_id: str) -> list[dict[str, Any]]:
                path = f"/v1/webhook-endpoints/{endpoint_id}/deliveries"
                return list((await api.get(path, params={"limit": 500})).json()["data"])

            async def delivered() -> bool:
                found = await deliveries(good)
                return len(found) == len(produced) and all(
                    d["status"] == "delivered" for d in found
                )

            async def attempted() -> bool:
                found = await deliveries(bad)
                return len(found) == len(produced) and all(d["attempt_count"] >= 1 for d in found)

            await eventually(delivered, timeout=10)
            delivered_s = time.monotonic() - started
            await eventually(attempted, timeout=10)
            for delivery in await deliveries(bad):
                assert delivery["status"] == "pending"
                assert delivery["last_status_code"] == 503
    finally:
        await odd.stop()
        await healthy.stop()
    assert "could not record webhook outcomes" not in service.logs()
    figure(f"{len(produced)} deliveries to the healthy endpoint recorded in {delivered_s:.1f} s")

"""The SSRF guard of a running service: endpoint URLs that point inside are refused when
set, names that resolve inside are refused at send time without a connection (so the
delivery log is no port scanner), and the allow list opens exactly what it lists."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.e2e.test_webhook_destinations import DENIED_URLS
from tests.receiver import Listener, Receiver, eventually, free_port
from tests.reliability.conftest import Spawn, client
from tests.reliability.workload import create_customers, subscribe


async def attempts(api: httpx.AsyncClient, endpoint_id: str) -> list[dict[str, Any]]:
    page = (await api.get(f"/v1/webhook-endpoints/{endpoint_id}/deliveries")).json()
    return [attempt for delivery in page["data"] for attempt in delivery["attempts"]]


async def test_internal_urls_are_refused_and_never_connected_to(spawn: Spawn) -> None:
    service = spawn("serve", HUIKUAN_WEBHOOK_ALLOW_NETWORKS="", HUIKUAN_LOG_LEVEL="WARNING")
    listener = Listener()
    open_port, closed_port = await listener.start(), free_port()
    try:
        async with client(service.base_url) as api:
            plain = await subscribe(api, "https://erp.example.com/hooks")
            for url in DENIED_URLS:
                body = {"url": url, "event_types": ["*"]}
                created = await api.post("/v1/webhook-endpoints", json=body)
                assert created.status_code == 422, (url, created.text)
                changed = await api.patch(f"/v1/webhook-endpoints/{plain}", json={"url": url})
                assert changed.status_code == 422, (url, changed.text)

            # Names are resolved when sent: localhost is loopback, open port or closed.
            probes = [
                await subscribe(api, f"http://localhost:{port}/hooks")
                for port in (open_port, closed_port)
            ]
            await create_customers(api, 1)

            async def tried(times: int) -> bool:
                found = [await attempts(api, p) for p in probes]
                return all(len(a) >= times for a in found)

            await eventually(lambda: tried(1), timeout=30)
            page = (await api.get(f"/v1/webhook-endpoints/{probes[0]}/deliveries")).json()
            retried = await api.post(f"/v1/webhook-deliveries/{page['data'][0]['id']}/retry")
            assert retried.status_code == 202
            await eventually(lambda: tried(2), timeout=30)
            for probe in probes:
                errors = {(a["status_code"], a["error"]) for a in await attempts(api, probe)}
                # The same answer whether something listens or not: nothing to scan with.
                assert errors == {(None, "destination not allowed")}
            await asyncio.sleep(0.2)
            assert listener.first_bytes == []
    finally:
        await listener.stop()
    assert "webhook destination refused" in service.logs()


async def test_the_allow_list_opens_what_it_lists_and_private_ranges_can_be_closed(
    spawn: Spawn, receiver: Receiver
) -> None:
    service = spawn(
        "serve",
        HUIKUAN_WEBHOOK_ALLOW_NETWORKS="127.0.0.0/8",
        HUIKUAN_WEBHOOK_DENY_PRIVATE="true",
    )
    async with client(service.base_url) as api:
        for url in ("http://10.0.0.5/hooks", "http://[::1]/hooks", "http://192.168.1.9/"):
            body = {"url": url, "event_types": ["*"]}
            assert (await api.post("/v1/webhook-endpoints", json=body)).status_code == 422, url
        endpoint = await subscribe(api, receiver.url)  # 127.0.0.1: denied, but allowed
        await create_customers(api, 3)

        async def delivered() -> bool:
            page = (await api.get(f"/v1/webhook-endpoints/{endpoint}/deliveries")).json()
            return len(page["data"]) == 3 and all(d["status"] == "delivered" for d in page["data"])

        await eventually(delivered, timeout=30)
    assert len(receiver.received) == 3

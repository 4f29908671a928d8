"""An ERP client that pushes events one per request and retries until each is answered,
the way a careful integrator would: same Idempotency-Key on every retry, backing off."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

RETRYABLE = {500, 502, 503, 504}


async def push(api: httpx.AsyncClient, event: dict[str, Any], deadline_s: float = 180) -> str:
    """Send ``event`` until the service answers for it; returns its outcome."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + deadline_s
    headers = {"Idempotency-Key": f"{event['source']}/{event['id']}"}
    delay = 0.1
    while True:
        try:
            response = await api.post("/v1/ingest/events", json=event, headers=headers)
        except httpx.TransportError:
            response = None
        if response is not None and response.status_code == 200:
            (result,) = response.json()["results"]
            return str(result["status"])
        if response is not None and response.status_code == 409:
            # Still running elsewhere, or committed with its answer lost: the event's own
            # (source, id) makes a plain resend safe, so drop the key and ask again.
            headers = {}
        elif response is not None and response.status_code not in RETRYABLE:
            raise AssertionError(f"{response.status_code}: {response.text}")
        if loop.time() > give_up:
            raise TimeoutError(f"event {event['id']} never answered")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)

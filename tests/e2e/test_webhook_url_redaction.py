"""Tokens in webhook URLs stay with the admin: lists and events show a redacted URL."""

from __future__ import annotations

import httpx

from app.services.access.api_keys import create_api_key
from app.services.platform import Platform
from app.services.unit_of_work import in_transaction
from tests.e2e.test_event_feed_api import visible

TOKEN_URL = "https://hooks.example.com/services/T0123/B0456/Xk9aQ2mR7tLw3ZpN8vB4cY1d?token=abc"
SHOWN = "https://hooks.example.com/services/T0123/B0456/***"


async def test_lists_and_events_show_a_redacted_url_and_only_the_admin_get_the_whole(
    api: httpx.AsyncClient, client: httpx.AsyncClient, platform: Platform
) -> None:
    created = await api.post("/v1/webhook-endpoints", json={"url": TOKEN_URL, "event_types": ["*"]})
    assert created.status_code == 201
    assert created.json()["url"] == TOKEN_URL
    path = f"/v1/webhook-endpoints/{created.json()['id']}"
    assert (await api.get(path)).json()["url"] == TOKEN_URL
    listed = (await api.get("/v1/webhook-endpoints")).json()["data"]
    assert [e["url"] for e in listed] == [SHOWN]

    # Change the URL and disable at once: the event's object and its changes are redacted.
    changed = await api.patch(path, json={"url": TOKEN_URL + "&v=2", "enabled": False})
    assert changed.status_code == 200
    assert changed.json()["url"] == TOKEN_URL + "&v=2"
    reader = await in_transaction(
        platform.uow(), create_api_key, platform.clock, platform.ids, "r", ["read"]
    )
    client.headers["Authorization"] = f"Bearer {reader.secret}"
    await visible(client, 1, type="webhook_endpoint.disabled")
    feed = await client.get("/v1/events", params={"type": "webhook_endpoint.disabled"})
    [event] = feed.json()["data"]
    assert event["data"]["object"]["url"] == SHOWN
    assert event["data"]["changes"]["url"] == {"from": SHOWN, "to": SHOWN}
    assert "Xk9aQ2mR7tLw3ZpN8vB4cY1d" not in feed.text
    assert "token=" not in feed.text

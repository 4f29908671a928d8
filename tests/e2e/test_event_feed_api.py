"""GET /v1/events and the outbox gauges on /metrics."""

from __future__ import annotations

import httpx

from tests.receiver import eventually


async def visible(api: httpx.AsyncClient, count: int, **params: str) -> None:
    """Wait until the feed shows ``count`` events: transaction ids are cluster-wide, so
    another database's open transaction on the same server may hold the feed back a moment."""

    async def shown() -> bool:
        return len((await api.get("/v1/events", params=params)).json()["data"]) >= count

    await eventually(shown)


async def test_the_feed_pages_through_cloudevents_with_an_opaque_cursor(
    api: httpx.AsyncClient,
) -> None:
    ids = []
    for number in range(3):
        created = await api.post("/v1/customers", json={"name": f"客户{number}", "currency": "CNY"})
        ids.append(created.json()["id"])
    await visible(api, 3)
    first = await api.get("/v1/events", params={"limit": 2})
    assert first.status_code == 200
    page = first.json()
    assert [e["data"]["object"]["id"] for e in page["data"]] == ids[:2]
    event = page["data"][0]
    assert set(event) == {
        "specversion",
        "id",
        "source",
        "type",
        "subject",
        "time",
        "datacontenttype",
        "data",
    }
    assert (event["specversion"], event["type"]) == ("1.0", "customer.created")
    second = (await api.get("/v1/events", params={"after": page["next_cursor"]})).json()
    assert [e["data"]["object"]["id"] for e in second["data"]] == ids[2:]
    caught_up = (await api.get("/v1/events", params={"after": second["next_cursor"]})).json()
    assert caught_up == {"data": [], "next_cursor": second["next_cursor"]}
    by_subject = await api.get("/v1/events", params={"subject": f"customers/{ids[1]}"})
    assert [e["subject"] for e in by_subject.json()["data"]] == [f"customers/{ids[1]}"]


async def test_a_foreign_cursor_is_refused(api: httpx.AsyncClient) -> None:
    for cursor in ("nonsense!", "WyJ4Il0"):
        answer = await api.get("/v1/events", params={"after": cursor})
        assert answer.status_code == 422, cursor


async def test_metrics_show_the_outbox_backlog(api: httpx.AsyncClient) -> None:
    await api.post("/v1/customers", json={"name": "客户", "currency": "CNY"})
    text = (await api.get("/metrics")).text
    assert "huikuan_webhook_deliveries_total" in text
    assert "huikuan_webhook_delivery_duration_seconds_bucket" in text
    assert "huikuan_outbox_pending" in text

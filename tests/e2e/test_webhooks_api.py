"""Webhook endpoints and deliveries over HTTP, with a relay and a real receiver."""

from __future__ import annotations

import httpx
from standardwebhooks import Webhook

from app.services.access.api_keys import create_api_key
from app.services.platform import Platform
from app.services.unit_of_work import in_transaction
from tests.e2e.test_event_feed_api import visible
from tests.integration.conftest import RelayStarter, relay_settings
from tests.receiver import Receiver, Reply, eventually, free_port

ENDPOINT_FIELDS = {
    "id",
    "url",
    "event_types",
    "format",
    "description",
    "enabled",
    "disabled_reason",
    "version",
    "created_at",
    "updated_at",
}


async def create(api: httpx.AsyncClient, **body: object) -> httpx.Response:
    payload = {"url": "https://erp.example.com/hooks", "event_types": ["*"], **body}
    return await api.post("/v1/webhook-endpoints", json=payload)


async def test_the_secret_is_shown_at_creation_and_rotation_only(api: httpx.AsyncClient) -> None:
    created = await create(api, description="ERP", event_types=["invoice.paid"])
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == ENDPOINT_FIELDS | {"secret"}
    assert body["secret"].startswith("whsec_")
    assert created.headers["location"] == f"/v1/webhook-endpoints/{body['id']}"
    assert created.headers["etag"] == '"1"'

    fetched = await api.get(f"/v1/webhook-endpoints/{body['id']}")
    assert set(fetched.json()) == ENDPOINT_FIELDS
    listed = await api.get("/v1/webhook-endpoints")
    assert [set(e) for e in listed.json()["data"]] == [ENDPOINT_FIELDS]
    assert body["secret"] not in listed.text + fetched.text

    rotated = await api.post(f"/v1/webhook-endpoints/{body['id']}/rotate-secret")
    assert rotated.status_code == 200
    assert rotated.json()["secret"] not in (None, body["secret"])
    assert rotated.json()["version"] == 2


async def test_invalid_endpoints_are_refused(api: httpx.AsyncClient) -> None:
    bodies: tuple[dict[str, object], ...] = (
        {"url": "ftp://erp.example.com/x"},
        {"url": "not a url"},
        {"event_types": ["*", "invoice.paid"]},
        {"event_types": ["invoice.payed"]},
        {"event_types": []},
        {"secret": "whsec_mine"},
    )
    for body in bodies:
        answer = await create(api, **body)
        assert answer.status_code == 422, body
        assert answer.headers["content-type"] == "application/problem+json"


async def test_a_chat_robot_endpoint_keeps_its_given_secret_to_itself(
    api: httpx.AsyncClient,
) -> None:
    secret = "SEC" + "9" * 64
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    created = await create(api, url=url, format="dingtalk", secret=secret)
    assert created.status_code == 201, created.text
    assert created.json()["format"] == "dingtalk"
    endpoint_id = created.json()["id"]
    fetched = await api.get(f"/v1/webhook-endpoints/{endpoint_id}")
    assert fetched.json()["format"] == "dingtalk"
    listed = await api.get("/v1/webhook-endpoints")
    assert secret not in fetched.text + listed.text
    rotated = await api.post(f"/v1/webhook-endpoints/{endpoint_id}/rotate-secret")
    assert rotated.status_code == 409
    wecom = await create(
        api, url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", format="wecom"
    )
    assert wecom.status_code == 201
    assert wecom.json()["secret"] is None
    for body in (
        {"format": "wecom", "secret": "x"},
        {"format": "dingtalk", "secret": "not-sec"},
        {"format": "slack"},
        {"format": "wecom", "event_types": ["invoice.overdue", "invoice.paid"]},
    ):
        answer = await create(api, **body)
        assert answer.status_code == 422, body


async def test_change_disable_and_delete(api: httpx.AsyncClient) -> None:
    endpoint = (await create(api)).json()
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    stale = await api.patch(path, json={"enabled": False}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    disabled = await api.patch(path, json={"enabled": False}, headers={"If-Match": '"1"'})
    assert disabled.status_code == 200
    assert (disabled.json()["enabled"], disabled.json()["disabled_reason"]) == (
        False,
        "disabled by an administrator",
    )
    await visible(api, 1, type="webhook_endpoint.disabled")
    feed = (await api.get("/v1/events", params={"type": "webhook_endpoint.disabled"})).json()
    assert [e["subject"] for e in feed["data"]] == [f"webhook-endpoints/{endpoint['id']}"]
    enabled = await api.patch(path, json={"enabled": True, "event_types": ["task.created"]})
    assert (enabled.json()["enabled"], enabled.json()["disabled_reason"]) == (True, None)
    assert enabled.json()["event_types"] == ["task.created"]
    only_enabled = await api.get("/v1/webhook-endpoints", params={"enabled": "false"})
    assert only_enabled.json()["data"] == []

    assert (await api.delete(path)).status_code == 204
    assert (await api.get(path)).status_code == 404
    assert (await api.get(f"{path}/deliveries")).status_code == 404


async def test_webhook_routes_need_the_admin_scope(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    reader = await in_transaction(
        platform.uow(), create_api_key, platform.clock, platform.ids, "r", ["read"]
    )
    assert (await client.get("/v1/webhook-endpoints")).status_code == 401
    headers = {"Authorization": f"Bearer {reader.secret}"}
    assert (await client.get("/v1/webhook-endpoints", headers=headers)).status_code == 403
    assert (await client.get("/v1/events", headers=headers)).status_code == 200


async def test_deliveries_show_each_attempt_and_retry_sends_again(
    api: httpx.AsyncClient, relays: RelayStarter
) -> None:
    port = free_port()
    endpoint = (await create(api, url=f"http://127.0.0.1:{port}/hooks")).json()
    deliveries = f"/v1/webhook-endpoints/{endpoint['id']}/deliveries"
    customer = await api.post("/v1/customers", json={"name": "回款客户", "currency": "CNY"})
    await relays(relay_settings(webhook_retry_schedule=""))  # one attempt, then failed

    async def failed() -> bool:
        found = (await api.get(deliveries, params={"status": "failed"})).json()["data"]
        return len(found) == 1

    await eventually(failed)
    [delivery] = (await api.get(deliveries)).json()["data"]
    assert delivery["event_type"] == "customer.created"
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("ConnectError")
    assert attempt["next_attempt_at"] is None

    receiver = await Receiver(lambda _: Reply(200), port=port).start()
    try:
        retried = await api.post(f"/v1/webhook-deliveries/{delivery['id']}/retry")
        assert retried.status_code == 202
        assert retried.json()["status"] == "pending"

        async def delivered() -> bool:
            found = await api.get(f"/v1/webhook-deliveries/{delivery['id']}")
            return bool(found.json()["status"] == "delivered")

        await eventually(delivered)
    finally:
        await receiver.stop()
    [request] = receiver.received
    secret = endpoint["secret"]
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["data"]["object"] == customer.json()
    assert (await api.post(f"/v1/webhook-deliveries/{endpoint['id']}/retry")).status_code == 404


async def test_retrying_for_a_disabled_endpoint_is_a_conflict(
    api: httpx.AsyncClient, relays: RelayStarter, receiver: Receiver
) -> None:
    endpoint = (await create(api, url=receiver.url)).json()
    await api.post("/v1/customers", json={"name": "客户", "currency": "CNY"})
    await relays()
    await eventually(lambda: len(receiver.received) == 1)
    await api.patch(f"/v1/webhook-endpoints/{endpoint['id']}", json={"enabled": False})
    [delivery] = (await api.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries")).json()[
        "data"
    ]
    answer = await api.post(f"/v1/webhook-deliveries/{delivery['id']}/retry")
    assert answer.status_code == 409

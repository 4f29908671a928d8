"""Chat robot endpoints through the real relay to local robots that check each platform's
documented body and signature: one markdown message per chat event, named facts, other
types skipped, and a robot's error code in a 200 is a failed attempt."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.domain.delivery.chat import EndpointFormat
from app.domain.delivery.delivery import DeliveryStatus
from app.domain.events import Actor, EventType, OutboxEvent
from app.services.customers.customers import NewCustomer, create_customer
from app.services.delivery.webhooks import EndpointWithSecret, NewEndpoint, create_endpoint
from app.services.platform import Platform
from app.services.receivables.contracts import NewContract, create_contract
from app.services.receivables.invoices import NewInvoice, create_invoice
from app.services.unit_of_work import in_transaction
from tests.chat_receivers import DingTalkRobot, FeishuBot, WeComRobot
from tests.integration.conftest import RelayStarter, relay_settings
from tests.integration.helpers import deliveries_of
from tests.receiver import Receiver, eventually

DINGTALK_SECRET = "SEC" + "0123456789abcdef" * 4
FEISHU_SECRET = "feishu-bot-secret-Qx7"


@pytest.fixture
async def robots() -> AsyncIterator[dict[str, Any]]:
    wecom, dingtalk, feishu = (
        WeComRobot("wecom-key-1"),
        DingTalkRobot(DINGTALK_SECRET),
        FeishuBot(FEISHU_SECRET),
    )
    servers = [await Receiver(r).start() for r in (wecom, dingtalk, feishu)]
    yield {
        "wecom": (wecom, f"{servers[0].url}?key=wecom-key-1"),
        "dingtalk": (dingtalk, f"{servers[1].url}?access_token=tok"),
        "feishu": (feishu, servers[2].url),
    }
    for server in servers:
        await server.stop()


async def robot_endpoint(
    platform: Platform, url: str, fmt: EndpointFormat, secret: str | None = None
) -> EndpointWithSecret:
    ctx = platform.context(Actor("test"))
    command = NewEndpoint(url, ("*",), format=fmt, secret=secret)
    return await in_transaction(platform.uow(), create_endpoint, ctx, command)


async def overdue_invoice_event(platform: Platform) -> OutboxEvent:
    ctx = platform.context(Actor("test"))
    customer = await in_transaction(
        platform.uow(), create_customer, ctx, NewCustomer("华东建设集团", "CNY")
    )
    contract = await in_transaction(
        platform.uow(),
        create_contract,
        ctx,
        NewContract(
            customer.id, "ERP 实施", Decimal("1000000.00"), "CNY", "王五", date(2026, 1, 1)
        ),
    )
    invoice = {
        "id": "0190b7c2-0000-7000-8000-000000000001",
        "external_id": "FP-2026-0042",
        "customer_id": str(customer.id),
        "contract_id": str(contract.contract.id),
        "amount": "128000.00",
        "outstanding": "96000.50",
        "currency": "CNY",
        "due_date": "2026-11-01",
    }
    overdue = ctx.event(
        EventType.INVOICE_OVERDUE, "invoices/x", {"object": invoice, "days_overdue": 26}
    )
    paid = ctx.event(EventType.INVOICE_PAID, "invoices/y", {"object": invoice})
    async with platform.uow() as uow:
        uow.add_event(paid)  # not a chat type: skipped even for ["*"]
        uow.add_event(overdue)
        await uow.commit()
    return overdue


async def test_each_platform_gets_one_signed_markdown_message_with_the_facts(
    platform: Platform, relays: RelayStarter, robots: dict[str, Any]
) -> None:
    wecom, wecom_url = robots["wecom"]
    dingtalk, dingtalk_url = robots["dingtalk"]
    feishu, feishu_url = robots["feishu"]
    endpoints = [
        await robot_endpoint(platform, wecom_url, EndpointFormat.WECOM),
        await robot_endpoint(platform, dingtalk_url, EndpointFormat.DINGTALK, DINGTALK_SECRET),
        await robot_endpoint(platform, feishu_url, EndpointFormat.FEISHU, FEISHU_SECRET),
    ]
    await overdue_invoice_event(platform)
    await relays()

    await eventually(lambda: bool(wecom.messages and dingtalk.messages and feishu.cards))
    for endpoint in endpoints:

        async def delivered(e: EndpointWithSecret = endpoint) -> bool:
            return await _statuses(platform, e) == [DeliveryStatus.DELIVERED]

        await eventually(delivered)
    [content] = wecom.messages
    assert "华东建设集团" in content
    assert "FP-2026-0042" in content
    assert "26" in content
    assert "96,000.50 CNY" in content
    assert content.startswith("### 发票逾期：华东建设集团")
    assert "> 负责人：王五" in content
    [(title, text)] = dingtalk.messages
    assert title == "发票逾期：华东建设集团"
    assert "96,000.50 CNY" in text
    [card] = feishu.cards
    assert card["header"]["title"]["content"] == "发票逾期：华东建设集团"
    assert "FP-2026-0042" in card["elements"][0]["content"]
    for message in (content, text, str(card)):
        assert DINGTALK_SECRET not in message
        assert FEISHU_SECRET not in message


async def _statuses(platform: Platform, endpoint: EndpointWithSecret) -> list[DeliveryStatus]:
    return [d.status for d in await deliveries_of(platform, endpoint.endpoint.id)]


async def test_a_robot_error_in_a_200_is_a_failed_attempt_with_its_message(
    platform: Platform, relays: RelayStarter, robots: dict[str, Any]
) -> None:
    _, dingtalk_url = robots["dingtalk"]
    _, feishu_url = robots["feishu"]
    wrong = await robot_endpoint(platform, dingtalk_url, EndpointFormat.DINGTALK, "SEC" + "f" * 64)
    unsigned = await robot_endpoint(platform, feishu_url, EndpointFormat.FEISHU)
    await overdue_invoice_event(platform)
    await relays()

    async def attempted() -> bool:
        found = [d for e in (wrong, unsigned) for d in await deliveries_of(platform, e.endpoint.id)]
        return len(found) == 2 and all(d.attempts for d in found)

    await eventually(attempted)
    [dingtalk] = await deliveries_of(platform, wrong.endpoint.id)
    assert dingtalk.status is DeliveryStatus.PENDING  # retried like any failure
    assert dingtalk.attempts[0].status_code == 200
    assert dingtalk.attempts[0].error == "robot error 310000: sign not match"
    [feishu] = await deliveries_of(platform, unsigned.endpoint.id)
    assert feishu.attempts[0].status_code == 200
    assert (feishu.attempts[0].error or "").startswith("robot error 19021: sign match fail")


async def test_messages_follow_the_locale(
    platform: Platform, relays: RelayStarter, robots: dict[str, Any]
) -> None:
    wecom, wecom_url = robots["wecom"]
    await robot_endpoint(platform, wecom_url, EndpointFormat.WECOM)
    await overdue_invoice_event(platform)
    await relays(relay_settings(locale="en"))
    await eventually(lambda: bool(wecom.messages))
    [content] = wecom.messages
    assert content.startswith("### Invoice overdue: 华东建设集团")
    assert "is **26** days overdue" in content


async def test_a_robot_gets_at_most_20_a_minute_and_the_rest_wait_their_turn(
    platform: Platform, relays: RelayStarter, robots: dict[str, Any]
) -> None:
    wecom, wecom_url = robots["wecom"]
    endpoint = await robot_endpoint(platform, wecom_url, EndpointFormat.WECOM)
    ctx = platform.context(Actor("test"))
    async with platform.uow() as uow:
        for n in range(25):
            data = {"object": {"external_id": f"FP-{n}", "currency": "CNY"}, "days_overdue": 3}
            uow.add_event(ctx.event(EventType.INVOICE_OVERDUE, f"invoices/{n}", data))
        await uow.commit()
    await relays()

    async def all_tried() -> bool:
        found = await deliveries_of(platform, endpoint.endpoint.id)
        return len(found) == 25 and all(d.attempts for d in found)

    await eventually(all_tried)
    assert len(wecom.messages) == 20
    deliveries = await deliveries_of(platform, endpoint.endpoint.id)
    waiting = [d for d in deliveries if d.status is DeliveryStatus.PENDING]
    assert len(waiting) == 5
    for delivery in waiting:
        [attempt] = delivery.attempts
        assert attempt.status_code is None
        assert attempt.error == "paced: the robot takes 20 messages a minute"
        assert delivery.next_attempt_at is not None
        assert (delivery.next_attempt_at - attempt.at).total_seconds() >= 50


async def test_a_broken_promise_names_its_customer_and_invoice(
    platform: Platform, relays: RelayStarter, robots: dict[str, Any]
) -> None:
    wecom, wecom_url = robots["wecom"]
    await robot_endpoint(platform, wecom_url, EndpointFormat.WECOM)
    ctx = platform.context(Actor("test"))
    customer = await in_transaction(
        platform.uow(), create_customer, ctx, NewCustomer("华东建设集团", "CNY")
    )
    invoice = await in_transaction(
        platform.uow(),
        create_invoice,
        ctx,
        NewInvoice(
            customer_id=customer.id,
            amount=Decimal("1000.00"),
            currency="CNY",
            issued_on=date(2026, 10, 1),
            due_date=date(2026, 10, 31),
            external_id="FP-77",
        ),
    )
    promise = {
        "customer_id": str(customer.id),
        "invoice_id": str(invoice.id),
        "amount": "600.00",
        "remaining": "600.00",
        "currency": "CNY",
        "promised_date": "2026-11-20",
    }
    async with platform.uow() as uow:
        uow.add_event(ctx.event(EventType.PROMISE_BROKEN, "promises/p", {"object": promise}))
        await uow.commit()
    await relays()
    await eventually(lambda: bool(wecom.messages))
    [content] = wecom.messages
    assert "华东建设集团" in content
    assert "FP-77" in content
    assert "600.00 CNY" in content

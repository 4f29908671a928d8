"""collector-digest on PostgreSQL: one person.daily_digest a day for each person with work
(their worklist's top, promises due today, what fell due yesterday, tasks due), none for a
person without, and none twice; chat renders it as one message."""

from __future__ import annotations

from collections import Counter
from uuid import UUID

import httpx

from app.adapters.delivery.chat.render import render
from app.domain.delivery.chat import EndpointFormat
from app.domain.events import Actor, EventType, OutboxEvent
from app.services.delivery.webhooks import NewEndpoint, create_endpoint
from app.services.platform import Platform
from app.services.unit_of_work import in_transaction
from tests.chat_receivers import WeComRobot
from tests.e2e.collection import interaction, task
from tests.e2e.receivables import contract, customer, invoice
from tests.fakes import FixedClock
from tests.integration.conftest import RelayStarter
from tests.integration.jobs import Jobs
from tests.receiver import Receiver, eventually

FUTURE_PLAN = [{"name": "验收款", "due_date": "2027-03-31", "percent": "100"}]


async def test_one_digest_a_day_for_each_person_with_work(
    api: httpx.AsyncClient, jobs: Jobs, clock: FixedClock
) -> None:
    a = await customer(api, name="甲建设")
    k = await contract(api, a["id"], owner="王五", installments=FUTURE_PLAN)
    fell_due = await invoice(
        api, a["id"], contract_id=k["id"], external_id="A-1", due_date="2026-11-26"
    )
    older = await invoice(
        api, a["id"], contract_id=k["id"], external_id="A-2", due_date="2026-10-31"
    )
    await interaction(
        api,
        a["id"],
        invoice_id=older["id"],
        promise={"amount": "300.00", "currency": "CNY", "promised_date": "2026-11-27"},
    )
    b = await customer(api, name="乙贸易")
    await task(api, assignee="李四", customer_id=b["id"], due_date="2026-11-27", title="电话催收")
    await task(api, assignee="李四", customer_id=b["id"], due_date="2026-12-20", title="以后再说")
    c = await customer(api, name="丙科技")
    await contract(api, c["id"], owner="赵六", installments=FUTURE_PLAN)  # nothing due
    # Person records (ASCII user ids: a PUT /v1/people with a Chinese id answers 500 today,
    # its Location header): a name to show, and an inactive person gets no digest.
    for user_id, body in (
        ("u-qian", {"name": "钱七", "active": False}),
        ("u-zhou", {"name": "周八"}),
    ):
        answer = await api.put(f"/v1/people/{user_id}", json=body)
        assert answer.status_code in (200, 201), answer.text
        await task(api, assignee=user_id, customer_id=b["id"], due_date="2026-11-27")

    result = await jobs.run("collector-digest")
    assert await jobs.types("person.daily") == Counter({"person.daily_digest": 3})
    assert (result.findings, result.events) == (3, 3)
    digests = {e["subject"]: e["data"] for e in await jobs.events("person.daily_digest")}
    assert set(digests) == {"people/王五", "people/李四", "people/u-zhou"}
    assert (digests["people/u-zhou"]["person"], digests["people/u-zhou"]["person_name"]) == (
        "u-zhou",
        "周八",
    )

    wang = digests["people/王五"]
    assert (wang["person"], wang["person_name"]) == ("王五", "王五")  # no person record
    assert wang["date"] == "2026-11-27"
    assert [i["title"] for i in wang["worklist"]] == ["A-2", "A-1"]
    assert wang["worklist"][0]["reasons"]
    assert [i["title"] for i in wang["new_overdue"]] == ["A-1"]
    assert [(p["customer_name"], p["amount"]) for p in wang["promises_due"]] == [
        ("甲建设", "300.00")
    ]
    assert wang["tasks_due"] == []
    assert fell_due["id"] in wang["new_overdue"][0]["item_id"]

    li = digests["people/李四"]
    assert [(t["title"], t["customer_name"]) for t in li["tasks_due"]] == [("电话催收", "乙贸易")]

    again = await jobs.run("collector-digest")
    assert (again.findings, again.events) == (0, 0)
    assert await jobs.types("person.daily") == Counter({"person.daily_digest": 3})

    event = OutboxEvent(
        id=UUID(a["id"]),
        type=EventType.PERSON_DAILY_DIGEST,
        subject="people/王五",
        time=clock.now(),
        data=wang,
    )
    message = render(event, "zh-CN")
    assert message is not None
    assert message.title == "王五 今日待办（2026-11-27）"
    assert "**重点跟进**\n- 甲建设：A-2" in message.text
    assert "- 甲建设 今日承诺支付 300.00 CNY" in message.text
    assert "- 甲建设：A-1 昨日到期" in message.text


async def test_a_team_chat_gets_one_digest_message_per_person(
    api: httpx.AsyncClient, jobs: Jobs, platform: Platform, relays: RelayStarter
) -> None:
    robot = WeComRobot("team-key")
    server = await Receiver(robot).start()
    try:
        ctx = platform.context(Actor("test"))
        command = NewEndpoint(f"{server.url}?key=team-key", ("*",), format=EndpointFormat.WECOM)
        await in_transaction(platform.uow(), create_endpoint, ctx, command)
        for person, name in (("王五", "甲建设"), ("李四", "乙贸易")):
            c = await customer(api, name=name)
            await task(api, assignee=person, customer_id=c["id"], due_date="2026-11-27")
        await jobs.run("collector-digest")
        await relays()
        await eventually(lambda: len(robot.messages) == 2)
        titles = sorted(m.splitlines()[0] for m in robot.messages)
        assert titles == ["### 李四 今日待办（2026-11-27）", "### 王五 今日待办（2026-11-27）"]
        assert any(
            "**到期任务**\n- 致电客户财务（甲建设，2026-11-27 到期）" in m for m in robot.messages
        )
    finally:
        await server.stop()

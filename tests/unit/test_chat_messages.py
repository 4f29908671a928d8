"""Chat robot messages: one template table per locale with the same keys, covering exactly
the chat event types; rendering never fails on missing facts; signatures, robot errors,
pacing and the secrets an endpoint may be given."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from app.adapters.delivery.chat import en, zh_cn
from app.adapters.delivery.chat.pacing import Pacer
from app.adapters.delivery.chat.platforms import chat_request, robot_error
from app.adapters.delivery.chat.render import ChatMessage, money, render
from app.domain.delivery.chat import CHAT_EVENT_TYPES, EndpointFormat, robot_secret
from app.domain.delivery.delivery import AttemptResult, DeliveryStatus, RetrySchedule, decide
from app.domain.delivery.webhooks import WebhookEndpoint
from app.domain.errors import ValidationFailed
from app.domain.events import EventType, OutboxEvent


def event(type_: str, data: dict[str, Any]) -> OutboxEvent:
    return OutboxEvent(uuid.uuid4(), type_, "x/1", datetime(2026, 12, 7, tzinfo=UTC), data)


def test_both_locales_have_the_same_keys_and_cover_exactly_the_chat_types() -> None:
    assert set(zh_cn.TEMPLATES) == set(en.TEMPLATES) == set(CHAT_EVENT_TYPES)
    assert set(zh_cn.LABELS) == set(en.LABELS)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("type_", sorted(CHAT_EVENT_TYPES))
def test_every_chat_type_renders_even_without_facts(locale: str, type_: str) -> None:
    message = render(event(type_, {}), locale)
    assert message is not None
    assert message.title
    assert "{" not in message.title + message.text


def test_other_types_have_no_message() -> None:
    assert render(event(EventType.INVOICE_PAID, {}), "zh-CN") is None


def test_money_is_grouped_from_the_decimal_string() -> None:
    assert money("1234567.05", "CNY") == "1,234,567.05 CNY"
    assert money(None, "CNY") == "—"


def test_the_digest_lists_each_section_and_counts_the_rest() -> None:
    data = {
        "person": "张三",
        "date": "2026-12-08",
        "worklist": [
            {
                "customer_name": f"客户{n}",
                "title": "发票 FP-1",
                "amount": "100.00",
                "currency": "CNY",
                "reasons": [
                    {"factor": "days_overdue", "value": "12"},
                    {"factor": "promise_due_today", "value": "True"},
                ],
            }
            for n in range(7)
        ],
        "promises_due": [{"customer_name": "乙", "amount": "50.00", "currency": "CNY"}],
        "new_overdue": [],
        "tasks_due": [{"title": "电话催收", "customer_name": "丙", "due_date": "2026-12-08"}],
    }
    message = render(event(EventType.PERSON_DAILY_DIGEST, data), "zh-CN")
    assert message == ChatMessage(
        "张三 今日待办（2026-12-08）",
        "**重点跟进**\n"
        + "".join(
            f"- 客户{n}：发票 FP-1（100.00 CNY）— 逾期 12 天、今日有付款承诺\n" for n in range(5)
        )
        + "- 另有 2 项\n\n**今日到期的付款承诺**\n- 乙 今日承诺支付 50.00 CNY\n\n"
        "**到期任务**\n- 电话催收（丙，2026-12-08 到期）",
    )


MESSAGE = ChatMessage("标题", "正文")


def test_dingtalk_signs_in_the_query_as_documented() -> None:
    secret = "SEC" + "ab" * 32
    url, body = chat_request(
        EndpointFormat.DINGTALK,
        "https://oapi.dingtalk.com/robot/send?access_token=t",
        secret,
        MESSAGE,
        1_700_000_000.123,
    )
    query = parse_qs(urlsplit(url).query)
    assert query["access_token"] == ["t"]
    assert query["timestamp"] == ["1700000000123"]
    digest = hmac.new(secret.encode(), f"1700000000123\n{secret}".encode(), hashlib.sha256)
    assert query["sign"] == [base64.b64encode(digest.digest()).decode()]
    assert json.loads(body) == {
        "msgtype": "markdown",
        "markdown": {"title": "标题", "text": "### 标题\n\n正文"},
    }


def test_feishu_signs_in_the_body_as_documented() -> None:
    _, body = chat_request(
        EndpointFormat.FEISHU, "https://f/hook/x", "s3cret", MESSAGE, 1_700_000_000.9
    )
    document = json.loads(body)
    assert document["timestamp"] == "1700000000"
    key = b"1700000000\ns3cret"
    assert (
        document["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    )
    assert document["msg_type"] == "interactive"
    assert document["card"]["elements"] == [{"tag": "markdown", "content": "正文"}]


def test_wecom_and_unsigned_robots_carry_no_signature() -> None:
    url, body = chat_request(EndpointFormat.WECOM, "https://q/send?key=k", "", MESSAGE, 1.0)
    assert url == "https://q/send?key=k"
    assert json.loads(body) == {"msgtype": "markdown", "markdown": {"content": "### 标题\n\n正文"}}
    _, body = chat_request(EndpointFormat.FEISHU, "https://f", "", MESSAGE, 1.0)
    assert "sign" not in json.loads(body)


def test_a_robot_error_is_read_from_the_answer() -> None:
    assert robot_error(b'{"errcode":0,"errmsg":"ok"}') is None
    assert robot_error(b'{"code":0,"msg":"success"}') is None
    assert robot_error(b'{"errcode":45009,"errmsg":"api freq out of limit"}') == (
        "robot error 45009: api freq out of limit"
    )
    assert (
        robot_error(b'{"code":19021,"msg":"sign match fail"}')
        == "robot error 19021: sign match fail"
    )
    assert robot_error(b"ok") is None


def test_pacing_allows_n_a_minute_then_waits_then_refuses_beyond_the_budget() -> None:
    pacer = Pacer(budget_s=30)
    endpoint = uuid.uuid4()
    assert [pacer.reserve(endpoint, 3, now=100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.reserve(endpoint, 3, now=100.0) is None  # 60 s away, beyond the budget
    assert pacer.wait_hint(endpoint, 3, now=100.0) == 60.0
    assert pacer.reserve(endpoint, 3, now=140.0) == 20.0  # the minute has room at 160
    assert pacer.reserve(uuid.uuid4(), 3, now=140.0) == 0.0  # endpoints are paced apart


def test_which_endpoints_take_a_secret() -> None:
    assert robot_secret(EndpointFormat.DINGTALK, " SECabc ") == "SECabc"
    assert robot_secret(EndpointFormat.FEISHU, None) == ""
    for fmt, secret in (
        (EndpointFormat.DINGTALK, "abc"),
        (EndpointFormat.DINGTALK, "SEC\x00a"),
        (EndpointFormat.FEISHU, "秘密"),
        (EndpointFormat.WECOM, "x"),
        (EndpointFormat.CLOUDEVENTS, "whsec_x"),
    ):
        with pytest.raises(ValidationFailed):
            robot_secret(fmt, secret)


def test_a_chat_endpoint_subscribes_only_to_chat_types() -> None:
    now = datetime(2026, 12, 7, tzinfo=UTC)
    endpoint = WebhookEndpoint(
        uuid.uuid4(), "https://q/send?key=k", ("*",), now, now, "", format=EndpointFormat.WECOM
    )
    assert endpoint.subscribes_to(EventType.INVOICE_OVERDUE)
    assert not endpoint.subscribes_to(EventType.INVOICE_PAID)


def test_a_paced_attempt_is_tried_again_when_the_minute_has_room() -> None:
    at = datetime(2026, 12, 7, tzinfo=UTC)
    paced = AttemptResult(
        at=at, duration=timedelta(0), error="paced: 20 a minute", retry_after="45"
    )
    decision = decide(paced, 1, 8, RetrySchedule.parse("5,300"))
    assert decision.status is DeliveryStatus.PENDING
    assert decision.next_attempt_at == at + timedelta(seconds=45)
    refused = AttemptResult(at=at, duration=timedelta(0), status_code=200, error="robot error 1: x")
    assert not refused.succeeded


REALISTIC: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        EventType.INSTALLMENT_OVERDUE,
        {
            "object": {
                "name": "验收款",
                "amount": "300000.00",
                "outstanding": "300000.00",
                "currency": "CNY",
                "due_date": "2026-11-01",
                "days_overdue": 26,
            },
            "customer_id": "c",
            "contract_name": "ERP 实施项目",
        },
        ["验收款", "ERP 实施项目", "26", "300,000.00 CNY", "2026-11-01"],
    ),
    (
        EventType.INVOICE_DUNNING_LEVEL_CHANGED,
        {
            "object": {"external_id": "FP-9", "outstanding": "500.00", "currency": "CNY"},
            "level": {"level": 2, "action": "phone_call"},
            "days_overdue": 31,
        },
        ["FP-9", "**2**", "phone_call", "31", "500.00 CNY"],
    ),
    (
        EventType.PROMISE_BROKEN,
        {
            "object": {
                "amount": "800.00",
                "remaining": "800.00",
                "currency": "CNY",
                "promised_date": "2026-11-20",
            }
        },
        ["800.00 CNY", "2026-11-20"],
    ),
    (
        EventType.RISK_ESCALATED,
        {
            "object": {
                "severity": "high",
                "kind": "overdue",
                "description": "发票 FP-1 逾期 95 天",
                "owner": "王五",
            }
        },
        ["high", "overdue", "发票 FP-1 逾期 95 天", "王五"],
    ),
    (
        EventType.TARGET_AT_RISK,
        {
            "object": {
                "name": "Q4 回款",
                "amount": "1000000.00",
                "collected": "250000.00",
                "percent": "25.0",
                "days_left": 20,
                "required_daily_amount": "37500.00",
                "currency": "CNY",
                "owner": "李四",
            }
        },
        ["Q4 回款", "250,000.00 CNY", "1,000,000.00 CNY", "25.0", "20", "37,500.00 CNY", "李四"],
    ),
]


@pytest.mark.parametrize(("type_", "data", "facts"), REALISTIC)
def test_each_type_shows_its_facts(type_: str, data: dict[str, Any], facts: list[str]) -> None:
    for locale in ("zh-CN", "en"):
        message = render(event(type_, data), locale, "华东建设")
        assert message is not None
        text = message.title + "\n" + message.text
        for fact in facts:
            assert fact in text, (locale, fact)
        if type_ != EventType.TARGET_AT_RISK:
            assert "华东建设" in message.title


def test_unbilled_and_limitation_messages_read_the_facts_their_jobs_send() -> None:
    # The data shapes of unbilled-scan's and limitation-check's events.
    unbilled = event(
        EventType.INSTALLMENT_UNBILLED,
        {
            "object": {"name": "验收款", "amount": "300000.00", "currency": "CNY",
                       "due_date": "2026-11-20"},
            "customer_id": str(uuid.uuid4()),
            "contract_name": "一号楼总包",
            "unbilled_amount": "120000.00",
            "days_since_due": 17,
        },
    )  # fmt: skip
    message = render(unbilled, "zh-CN", customer_name="华东建设")
    assert message is not None
    for fact in ("华东建设", "一号楼总包", "120,000.00", "2026-11-20"):
        assert fact in message.text
    for type_ in (EventType.INVOICE_LIMITATION_EXPIRING, EventType.INSTALLMENT_LIMITATION_EXPIRING):
        expiring = event(
            type_,
            {
                "object": {"kind": "invoice", "ref": "INV-7", "customer_name": "华东建设",
                           "currency": "CNY", "outstanding": "5000.00",
                           "limitation": {"starts_on": "2024-01-31", "expires_on": "2027-01-31",
                                          "last_interruption": None}},
                "threshold_days": 90,
            },
        )  # fmt: skip
        message = render(expiring, "en")
        assert message is not None
        for fact in ("INV-7", "2027-01-31", "华东建设", "5,000.00"):
            assert fact in message.text

"""Chat robots: the formats an endpoint may have, which events reach a chat, the secrets.

A ``cloudevents`` endpoint gets every subscribed event as signed CloudEvents JSON. A chat
format (企业微信 ``wecom``, 钉钉 ``dingtalk``, 飞书 ``feishu``) gets one markdown message per
event, only for the types people act on (``CHAT_EVENT_TYPES``); the relay's fan-out skips
the rest even for ``["*"]``. The rendering is in ``app/adapters/delivery/chat/``.
"""

from __future__ import annotations

from enum import StrEnum

from app.domain.errors import ValidationFailed
from app.domain.events import EventType


class EndpointFormat(StrEnum):
    CLOUDEVENTS = "cloudevents"
    WECOM = "wecom"
    DINGTALK = "dingtalk"
    FEISHU = "feishu"

    @property
    def is_chat(self) -> bool:
        return self is not EndpointFormat.CLOUDEVENTS


# What a chat shows: overdue, dunning, broken promises, risk, targets, the daily digest,
# and (by their type names, for the contexts that emit them) unbilled installments,
# limitation periods running out and approvals to give.
CHAT_EVENT_TYPES: frozenset[str] = frozenset(
    {
        EventType.INVOICE_OVERDUE,
        EventType.INSTALLMENT_OVERDUE,
        EventType.INVOICE_DUNNING_LEVEL_CHANGED,
        EventType.PROMISE_BROKEN,
        EventType.RISK_RAISED,
        EventType.RISK_ESCALATED,
        EventType.TARGET_AT_RISK,
        EventType.TARGET_MISSED,
        EventType.PERSON_DAILY_DIGEST,
        EventType.INSTALLMENT_UNBILLED,
        EventType.INVOICE_LIMITATION_EXPIRING,
        EventType.INSTALLMENT_LIMITATION_EXPIRING,
        EventType.APPROVAL_REQUESTED,
    }
)

# The platforms' documented rate limits: messages per minute per robot.
PER_MINUTE = {EndpointFormat.WECOM: 20, EndpointFormat.DINGTALK: 20, EndpointFormat.FEISHU: 100}
MAX_SECRET_LENGTH = 200


def robot_secret(endpoint_format: EndpointFormat, secret: str | None) -> str:
    """The signing secret a chat endpoint is created with ("" when the robot has none).

    DingTalk's is ``SEC`` + hex; Feishu's is free text; WeCom's robots sign nothing (the
    key is in the URL); a ``cloudevents`` endpoint's secret is generated, never given."""
    cleaned = (secret or "").strip()
    if not endpoint_format.is_chat or endpoint_format is EndpointFormat.WECOM:
        if cleaned:
            raise ValidationFailed(
                f"a {endpoint_format.value} endpoint takes no secret"
                + ("" if endpoint_format.is_chat else " (one is generated)"),
                ("secret",),
            )
        return ""
    if len(cleaned) > MAX_SECRET_LENGTH or not all(" " < c <= "~" for c in cleaned):
        raise ValidationFailed("secret is not a robot signing secret", ("secret",))
    if endpoint_format is EndpointFormat.DINGTALK and cleaned and not cleaned.startswith("SEC"):
        raise ValidationFailed("a DingTalk robot's secret starts with SEC", ("secret",))
    return cleaned

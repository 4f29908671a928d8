"""Each robot platform's request and answer, as its documentation gives them.

- 企业微信 (WeCom) group robot: POST the webhook URL (its ``key`` is in the query) with
  ``{"msgtype": "markdown", "markdown": {"content": ...}}``; no signature.
- 钉钉 (DingTalk) custom robot: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``;
  with a secret, the query gains ``timestamp`` (ms) and ``sign``: base64 of HMAC-SHA256
  keyed by the secret over ``timestamp + "\\n" + secret``, URL-encoded.
- 飞书 (Feishu) custom bot: an interactive card with a markdown element; with a secret,
  the body carries ``timestamp`` (s) and ``sign``: base64 of HMAC-SHA256 keyed by
  ``timestamp + "\\n" + secret`` over an empty message.

All three answer 200 with an error code inside: ``errcode``/``errmsg`` (WeCom, DingTalk),
``code``/``msg`` (Feishu; older bots ``StatusCode``/``StatusMessage``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import quote_plus

from app.adapters.delivery.chat.render import ChatMessage
from app.domain.delivery.chat import EndpointFormat


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(timestamp_s: int, secret: str) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def chat_request(
    endpoint_format: EndpointFormat, url: str, secret: str, message: ChatMessage, now_s: float
) -> tuple[str, bytes]:
    """The URL to POST and the JSON body for one message; ``now_s`` is real Unix time."""
    heading = f"### {message.title}\n\n{message.text}"
    body: dict[str, Any]
    if endpoint_format is EndpointFormat.WECOM:
        body = {"msgtype": "markdown", "markdown": {"content": heading}}
    elif endpoint_format is EndpointFormat.DINGTALK:
        body = {"msgtype": "markdown", "markdown": {"title": message.title, "text": heading}}
        if secret:
            timestamp = int(now_s * 1000)
            sign = quote_plus(dingtalk_sign(timestamp, secret))
            url = f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"
    elif endpoint_format is EndpointFormat.FEISHU:
        body = {
            "msg_type": "interactive",
            "card": {
                "header": {"title": {"tag": "plain_text", "content": message.title}},
                "elements": [{"tag": "markdown", "content": message.text}],
            },
        }
        if secret:
            timestamp = int(now_s)
            body = {"timestamp": str(timestamp), "sign": feishu_sign(timestamp, secret), **body}
    else:
        raise ValueError(f"{endpoint_format} is not a chat format")
    return url, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def robot_error(answer: bytes) -> str | None:
    """The robot's error in a 200 answer (``errcode``/``code`` not 0), else None."""
    try:
        document = json.loads(answer)
    except ValueError:
        return None  # not JSON: the status code decides
    if not isinstance(document, dict):
        return None
    for code_key, message_key in (
        ("errcode", "errmsg"),
        ("code", "msg"),
        ("StatusCode", "StatusMessage"),
    ):
        code = document.get(code_key)
        if code is not None and code != 0:
            return f"robot error {code}: {document.get(message_key) or ''}".strip()[:500]
    return None

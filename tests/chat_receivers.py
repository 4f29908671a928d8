"""Local stand-ins for the chat platforms' robots: each checks the body shape and the
signature exactly as the platform documents them, and answers as the platform does
(200 with ``errcode``/``code`` 0, or an error code and message)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import parse_qs

from tests.receiver import Received, Reply


def _json(document: dict[str, Any]) -> Reply:
    return Reply(
        headers={"content-type": "application/json"},
        body=json.dumps(document, ensure_ascii=False).encode(),
    )


class WeComRobot:
    """企业微信 group robot: ``?key=``, ``{"msgtype": "markdown", "markdown": {"content"}}``."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.messages: list[str] = []

    def __call__(self, request: Received) -> Reply:
        if parse_qs(request.query).get("key") != [self.key]:
            return _json({"errcode": 93000, "errmsg": "invalid webhook url"})
        body = json.loads(request.body)
        content = body.get("markdown", {}).get("content")
        if body.get("msgtype") != "markdown" or not isinstance(content, str) or not content:
            return _json({"errcode": 40008, "errmsg": "invalid message type"})
        if len(content.encode()) > 4096:
            return _json({"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"})
        self.messages.append(content)
        return _json({"errcode": 0, "errmsg": "ok"})


class DingTalkRobot:
    """钉钉 custom robot with 加签: ``timestamp`` (ms, within an hour) and ``sign`` query
    parameters; sign = urlencode(base64(HmacSHA256(secret, timestamp + "\\n" + secret)))."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.messages: list[tuple[str, str]] = []

    def __call__(self, request: Received) -> Reply:
        query = parse_qs(request.query)  # undoes the URL encoding
        timestamp = (query.get("timestamp") or [""])[0]
        if not timestamp.isdigit() or abs(int(timestamp) - time.time() * 1000) > 3_600_000:
            return _json({"errcode": 310000, "errmsg": "invalid timestamp"})
        string_to_sign = f"{timestamp}\n{self.secret}".encode()
        digest = hmac.new(self.secret.encode(), string_to_sign, hashlib.sha256).digest()
        if query.get("sign") != [base64.b64encode(digest).decode()]:
            return _json({"errcode": 310000, "errmsg": "sign not match"})
        body = json.loads(request.body)
        markdown = body.get("markdown", {})
        if (
            body.get("msgtype") != "markdown"
            or not markdown.get("title")
            or not markdown.get("text")
        ):
            return _json({"errcode": 40035, "errmsg": "缺少参数 markdown"})
        self.messages.append((markdown["title"], markdown["text"]))
        return _json({"errcode": 0, "errmsg": "ok"})


class FeishuBot:
    """飞书 custom bot with 签名校验: ``timestamp`` (s, within an hour) and ``sign`` in the
    body; sign = base64(HmacSHA256(key = timestamp + "\\n" + secret, message = ""))."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.cards: list[dict[str, Any]] = []

    def __call__(self, request: Received) -> Reply:
        body = json.loads(request.body)
        timestamp = str(body.get("timestamp", ""))
        if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > 3600:
            return _json(
                {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
            )
        key = f"{timestamp}\n{self.secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        if body.get("sign") != expected:
            return _json(
                {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
            )
        card = body.get("card") or {}
        if body.get("msg_type") != "interactive" or not card.get("elements"):
            return _json({"code": 9499, "msg": "Bad Request"})
        self.cards.append(card)
        return _json({"code": 0, "msg": "success", "data": {}})

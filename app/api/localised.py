"""Problem titles in the language the request asks for (``?lang=zh`` or
``Accept-Language: zh-CN``); English otherwise. Only the RFC 9457 ``title`` changes: the
``type``, ``detail`` and every other member stay as they are."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.domain.i18n import CATALOGUES, choose_locale, problem_key

PROBLEM_JSON = "application/problem+json"


class LocalisedProblemsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        lang = (query.get("lang") or [None])[0]
        locale = choose_locale(lang, Headers(scope=scope).get("accept-language"), "en")
        if locale == "en":
            await self.app(scope, receive, send)
            return
        catalogue = CATALOGUES[locale]
        start: Message | None = None
        body: list[bytes] = []

        async def translating(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
                if content_type.startswith(PROBLEM_JSON):
                    start = message  # held until the body is complete
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                data = b"".join(body)
                try:
                    document = json.loads(data)
                    key = problem_key(str(document.get("title", "")))
                    if key in catalogue:
                        document["title"] = catalogue[key]
                        data = json.dumps(document, ensure_ascii=False).encode()
                except ValueError:
                    pass  # not JSON after all: pass it on untouched
                headers = MutableHeaders(raw=list(start.get("headers", [])))
                headers["content-length"] = str(len(data))
                await send({**start, "headers": headers.raw})
                await send({"type": "http.response.body", "body": data})
                return
            await send(message)

        await self.app(scope, receive, translating)

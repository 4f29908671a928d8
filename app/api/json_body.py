"""JSON request bodies read with exact decimals: ``1234.50`` becomes Decimal, never float.

Installed as the ``route_class`` of every router, so money sent as a JSON number keeps
every digit, and NaN/Infinity or absurdly deep nesting are refused as malformed JSON. So
is a body in another encoding than UTF-8, with a detail that says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON here")


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constants)


NOT_UTF8 = "JSON must be UTF-8 (RFC 8259 §8.1)"
UTF16_OR_32_STARTS = (b"\xff\xfe", b"\xfe\xff")


class NotUtf8(json.JSONDecodeError):
    """A body in another encoding than UTF-8: its text is not read at all."""

    def __init__(self, reason: str, body: bytes, pos: int = 0) -> None:
        super().__init__(reason, body.decode("utf-8", errors="replace"), pos)


def wide_encoding(body: bytes) -> str | None:
    """Why ``body`` cannot be read, when it is UTF-16 or UTF-32 (else None). A JSON text
    starts with an ASCII character, so in those one of its first bytes is NUL unless a
    byte order mark comes first: four bytes tell, whatever the body's size."""
    if b"\x00" in body[:4] or body.startswith(UTF16_OR_32_STARTS):
        return f"{NOT_UTF8}; this body looks like UTF-16 or UTF-32"
    return None


def parse_json(body: bytes) -> Any:
    """The JSON value of ``body``: UTF-8 only (a UTF-8 byte order mark is ignored, as
    RFC 8259 allows); NotUtf8 or json.JSONDecodeError when it cannot be read."""
    reason = wide_encoding(body)
    if reason is not None:
        raise NotUtf8(reason, body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUtf8(f"{NOT_UTF8}; byte {exc.start} is not UTF-8", body, exc.start) from exc
    try:
        return _DECODER.decode(text.removeprefix("\ufeff"))
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as exc:
        raise json.JSONDecodeError(str(exc) or "unreadable JSON", text, 0) from exc


class DecimalJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


class DecimalJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def decimal_json_handler(request: Request) -> Response:
            return await handler(DecimalJSONRequest(request.scope, request.receive))

        return decimal_json_handler

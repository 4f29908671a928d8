"""JSON request bodies read with exact decimals: ``1234.50`` becomes Decimal, never float.

Installed as the ``route_class`` of every router, so money sent as a JSON number keeps
every digit, and NaN/Infinity or absurdly deep nesting are refused as malformed JSON.
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


def parse_json(body: bytes) -> Any:
    try:
        return _DECODER.decode(body.decode(json.detect_encoding(body), "surrogatepass"))
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        text = body.decode("utf-8", errors="replace")
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

"""Pure ASGI middleware: request context and metrics, body guard (Idempotency-Key:
``app/api/idempotency.py``).

Pure ASGI (not BaseHTTPMiddleware) keeps context variables and streaming intact.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import internal_error, malformed_json, problem
from app.api.json_body import wide_encoding
from app.api.metrics import HTTP_DURATION, HTTP_REQUESTS, UNMATCHED_ROUTE
from app.request_context import request_id_var

log = logging.getLogger("huikuan.http")

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
DRAIN_LIMIT = 64 * 1024 * 1024


def route_label(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or UNMATCHED_ROUTE


class RequestContextMiddleware:
    """Request id (``X-Request-ID`` honoured and echoed), metrics, and the last-resort 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = Headers(scope=scope).get("x-request-id", "")
        request_id = supplied if REQUEST_ID.match(supplied) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
                response = problem(400, "NUL characters are not allowed in URLs")
                await response(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", extra={"path": scope.get("path")})
            if not response_started:
                await internal_error(request_id)(scope, receive, send_with_id)
        finally:
            method = scope.get("method", "")
            route = route_label(scope)
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_DURATION.labels(method, route).observe(time.perf_counter() - started)
            request_id_var.reset(token)


def _replay_receive(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def is_json_media_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class BodyTooLarge(Exception):
    """Raised by a streamed body's ``receive`` past its limit (the endpoint answers 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.limit = limit


def _counted(receive: Receive, limit: int) -> Receive:
    read = 0

    async def receive_counted() -> Message:
        nonlocal read
        message = await receive()
        read += len(message.get("body", b""))
        if read > limit:
            raise BodyTooLarge(limit)
        return message

    return receive_counted


class BodyGuardMiddleware:
    """Bodies over HUIKUAN_MAX_BODY_BYTES get 413, non-JSON bodies 415, UTF-16 or UTF-32
    JSON 400 (it would hide its NULs from the check below), JSON NULs 422.

    ``path_limits`` give some paths their own limit (ingestion batches are larger).
    The body is read once here and handed on, so later layers (idempotency) can hash it.
    ``stream_limits``: paths whose bodies (file uploads) go to the endpoint as they come,
    413 when declared larger than their limit, BodyTooLarge when they turn out larger.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        path_limits: Mapping[str, int] | None = None,
        stream_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.path_limits = dict(path_limits or {})
        self.stream_limits = dict(stream_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        streamed = self.stream_limits.get(scope["path"])
        limit = streamed or self.path_limits.get(scope["path"], self.max_body_bytes)
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
            await self._too_large(limit, scope, receive, send, drain=int(declared) <= DRAIN_LIMIT)
            return
        if streamed is not None:
            await self.app(scope, _counted(receive, limit), send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                more = message.get("more_body", False)
                await self._too_large(limit, scope, receive, send, drain=more, read=size)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body:
            if not is_json_media_type(headers.get("content-type", "")):
                response = problem(415, "send JSON with Content-Type: application/json")
                await response(scope, receive, send)
                return
            wide = wide_encoding(body)
            if wide is not None:
                await malformed_json(wide)(scope, receive, send)
                return
            if b"\\u0000" in body:
                response = problem(422, "NUL characters are not allowed in text")
                await response(scope, receive, send)
                return
        scope.setdefault("state", {})["raw_body"] = body
        await self.app(scope, _replay_receive(body), send)

    @staticmethod
    async def _too_large(
        limit: int, scope: Scope, receive: Receive, send: Send, *, drain: bool, read: int = 0
    ) -> None:
        """413. The rest of the body is read and dropped first (up to DRAIN_LIMIT), so that
        the client, still sending, gets the answer instead of a reset connection."""
        while drain and read <= DRAIN_LIMIT:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            read += len(message.get("body", b""))
            drain = message.get("more_body", False)
        response = problem(
            413,
            f"the request body is larger than {limit} bytes",
            headers={"Connection": "close"} if drain else None,
        )
        await response(scope, receive, send)

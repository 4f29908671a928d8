"""Idempotency-Key on POST, claimed when the request reaches its handler and not before.

The middleware notes the key and captures the answer. The claim itself is made by the
handler's wrapper (``claiming``, on every POST route) or, on the ingestion route, by the
endpoint once it has checked the key and read the body: so a request that never gets
there (401, 403, unknown route 404, 405, malformed JSON 400, 413, 415, a 422 from the
request schema) stores nothing and is never replayed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.domain.access.idempotency import StoredResponse
from app.domain.errors import DomainError
from app.services.access.idempotency import Claimed, Replay, claim_key, finish_claim
from app.services.platform import Platform

log = logging.getLogger("huikuan.http")

REPLAYED_HEADERS = ("content-type", "location", "etag", "cache-control")


@dataclass
class PendingKey:
    """A request's Idempotency-Key, from its arrival until its answer is stored."""

    platform: Platform
    scope: str  # the caller: the SHA-256 of the presented credential
    key: str
    method: str
    path: str
    query: bytes
    body: bytes  # empty for a body streamed to the endpoint (a file upload)
    claim: Claimed | None = None
    replayed: bool = False

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for part in (self.method.encode(), self.path.encode(), self.query):
            digest.update(part)
            digest.update(b"\x00")
        digest.update(self.body)
        return digest.hexdigest()


_PENDING: ContextVar[PendingKey | None] = ContextVar("huikuan_idempotency_key", default=None)


async def claim_idempotency_key(streamed_body: bytes | None = None) -> Response | None:
    """Claim this request's Idempotency-Key, when it carries one. None: run the handler;
    a response: the stored answer, to send instead. Raises IdempotencyKeyReused (422) or
    IdempotencyInFlight (409) as the key's rules say.

    ``streamed_body``: what stands for a body the middleware did not buffer (a file upload
    read by the endpoint), so that another file under the same key is another request."""
    pending = _PENDING.get()
    if pending is None or pending.claim is not None or pending.replayed:
        return None
    if streamed_body is not None:
        pending.body = streamed_body
    platform = pending.platform
    outcome = await claim_key(
        platform.idempotency,
        platform.clock,
        platform.idempotency_policy,
        scope=pending.scope,
        key=pending.key,
        fingerprint=pending.fingerprint(),
    )
    if isinstance(outcome, Replay):
        pending.replayed = True
        return _replay(outcome.response)
    pending.claim = outcome
    return None


def _replay(stored: StoredResponse) -> Response:
    headers = {**stored.headers, "idempotent-replayed": "true"}
    return Response(stored.body, status_code=stored.status, headers=headers)


Endpoint = Callable[..., Awaitable[Any]]
CLAIMS = "__claims_idempotency_key__"


def claiming(endpoint: Endpoint) -> Endpoint:
    """``endpoint``, claiming the request's Idempotency-Key first. FastAPI calls it once
    the caller is authorised and the request's parameters and body are valid."""
    if getattr(endpoint, CLAIMS, False):  # a router included again wraps it once only
        return endpoint
    if not inspect.iscoroutinefunction(endpoint):
        raise TypeError(f"POST endpoint {endpoint.__name__} must be async to claim its key")

    @functools.wraps(endpoint)
    async def claimed(*args: Any, **kwargs: Any) -> Any:
        replay = await claim_idempotency_key()
        if replay is not None:
            return replay
        return await endpoint(*args, **kwargs)

    setattr(claimed, CLAIMS, True)
    return claimed


def claims_its_own_key(endpoint: Endpoint) -> Endpoint:
    """Marks an endpoint that calls ``claim_idempotency_key`` itself, once it has read a
    streamed body (``claiming`` leaves it as it is): claimed before, the key would not
    see the body."""
    setattr(endpoint, CLAIMS, True)
    return endpoint


def _bearer_scope(headers: Headers) -> str:
    """Keys are scoped per caller: the SHA-256 of the presented credential."""
    return hashlib.sha256(headers.get("authorization", "").encode()).hexdigest()


class IdempotencyMiddleware:
    """Idempotency-Key on POST: replay what finished, 422 for another body, 409 in flight.
    Stores the answer of a request whose handler claimed the key (see the module)."""

    def __init__(self, app: ASGIApp, platform: Callable[[Scope], Platform]) -> None:
        self.app = app
        self.platform = platform

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        pending = PendingKey(
            platform=self.platform(scope),
            scope=_bearer_scope(headers),
            key=key,
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b""),
            body=scope.get("state", {}).get("raw_body", b""),
        )
        # The unit of work stamps the claim on commit; only a handler that claimed it
        # commits, so the pair can be known before the claim is made.
        scope.setdefault("state", {})["idempotency_claim"] = (pending.scope, pending.key)
        token = _PENDING.set(pending)
        try:
            await self._run(pending, scope, receive, send)
        finally:
            _PENDING.reset(token)

    async def _run(self, pending: PendingKey, scope: Scope, receive: Receive, send: Send) -> None:
        status = 500
        kept: dict[str, str] = {}
        body: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name.decode().lower() in REPLAYED_HEADERS:
                        kept[name.decode().lower()] = value.decode()
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            if pending.claim is not None:
                with contextlib.suppress(DomainError):  # the database may be the failure
                    await pending.platform.idempotency.release(
                        pending.claim.scope, pending.claim.key
                    )
            raise
        if pending.claim is None:
            return  # never reached a handler, or answered with a replay: nothing to store
        try:
            await finish_claim(
                pending.platform.idempotency,
                pending.claim,
                StoredResponse(status, kept, b"".join(body)),
            )
        except DomainError as error:
            # The answer is sent; a claim left in flight turns into a 409 for a repeat
            # (never a second run of a change that committed).
            log.warning("could not record the Idempotency-Key outcome: %s", error.detail)

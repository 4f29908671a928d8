"""The webhook sender: one signed POST per attempt over kept-alive connections (lanes.py).

An attempt never raises: whatever happens becomes an ``AttemptResult`` (a status code, or
an error when no answer came within the timeout, or ``destination not allowed`` when the
destination guard (guard.py) refused the address before any connection).

A chat robot endpoint (``wecom``, ``dingtalk``, ``feishu``) gets the event as one markdown
message in the service's locale (chat/), paced to the platform's rate, and an answer with
an error code inside a 200 is a failed attempt with the robot's message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from datetime import datetime, timedelta

import httpx

from app.adapters.delivery.chat.pacing import Pacer
from app.adapters.delivery.chat.platforms import chat_request, robot_error
from app.adapters.delivery.chat.render import render
from app.adapters.delivery.guard import DestinationRefused
from app.adapters.delivery.lanes import ConnectionLanes, Transport, transport_factory
from app.adapters.delivery.signing import signed_headers
from app.domain.delivery.chat import PER_MINUTE
from app.domain.delivery.delivery import AttemptResult
from app.domain.destinations import NOT_ALLOWED, DestinationPolicy
from app.domain.events import OutboxEvent
from app.services.context import Clock
from app.services.delivery.ports import DeliveryJob

log = logging.getLogger("huikuan.webhooks")

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
CHAT_CONTENT_TYPE = "application/json; charset=utf-8"
USER_AGENT = "Huikuan-Webhooks/1.0"
MAX_RESPONSE_BYTES = 64 * 1024  # read (and drop) this much of an answer, to reuse the connection


def event_body(event: OutboxEvent) -> bytes:
    """The CloudEvents JSON body: the same bytes on every attempt of one event."""
    return json.dumps(event.envelope(), ensure_ascii=False, separators=(",", ":")).encode()


class WebhookSender:
    """``wall_clock`` stamps ``webhook-timestamp``: receivers check it against their own
    clock, so it is real time even when the service runs on a test clock."""

    def __init__(
        self,
        *,
        timeout_s: float,
        max_idle_per_origin: int,
        wall_clock: Clock,
        destinations: DestinationPolicy,
        locale: str = "zh-CN",
        pacing_budget_s: float = 0.0,
    ) -> None:
        self.timeout_s = timeout_s
        self.wall_clock = wall_clock
        self.locale = locale
        self.pacer = Pacer(pacing_budget_s)
        self.extensions = {"timeout": httpx.Timeout(timeout_s).as_dict()}
        self.lanes = ConnectionLanes(
            transport_factory(destinations), max_idle_per_origin=max_idle_per_origin
        )

    async def send(self, job: DeliveryJob, at: datetime) -> AttemptResult:
        """POST the event to the endpoint; ``at`` is the attempt's time on the service clock."""
        if job.format.is_chat:
            return await self._send_chat(job, at)
        body = event_body(job.event)
        timestamp = int(self.wall_clock.now().timestamp())
        headers = {
            "user-agent": USER_AGENT,
            "content-type": CONTENT_TYPE,
            **signed_headers(str(job.event.id), timestamp, body, job.secrets),
        }
        return await self._attempt(job, at, job.url, body, headers)

    async def _send_chat(self, job: DeliveryJob, at: datetime) -> AttemptResult:
        message = render(job.event, self.locale, job.customer_name, job.invoice_number, job.owner)
        if message is None:  # the fan-out gives chats their types only
            return AttemptResult(at=at, duration=timedelta(0), error="no chat message for it")
        per_minute = PER_MINUTE[job.format]
        wait = self.pacer.reserve(job.endpoint_id, per_minute)
        if wait is None:
            later = math.ceil(self.pacer.wait_hint(job.endpoint_id, per_minute))
            error = f"paced: the robot takes {per_minute} messages a minute"
            return AttemptResult(
                at=at, duration=timedelta(0), error=error, retry_after=str(max(later, 1))
            )
        if wait > 0:
            await asyncio.sleep(wait)
        secret = job.secrets[0] if job.secrets else ""
        url, body = chat_request(
            job.format, job.url, secret, message, self.wall_clock.now().timestamp()
        )
        headers = {"user-agent": USER_AGENT, "content-type": CHAT_CONTENT_TYPE}
        return await self._attempt(job, at, url, body, headers, chat=True)

    async def _attempt(
        self,
        job: DeliveryJob,
        at: datetime,
        url: str,
        body: bytes,
        headers: dict[str, str],
        *,
        chat: bool = False,
    ) -> AttemptResult:
        started = time.perf_counter()

        def elapsed() -> timedelta:
            return timedelta(seconds=time.perf_counter() - started)

        transport = self.lanes.borrow(job.url)
        reusable = False
        try:
            request = httpx.Request(
                "POST", url, content=body, headers=headers, extensions=self.extensions
            )
            async with asyncio.timeout(self.timeout_s):
                code, reason, retry_after, answer = await self._post(transport, request)
            reusable = True
        except DestinationRefused as refused:  # raised before any connection is made
            log.warning(
                "webhook destination refused",
                extra={"endpoint_id": str(job.endpoint_id), "host": refused.host},
            )
            return AttemptResult(at=at, duration=elapsed(), error=NOT_ALLOWED)
        except (TimeoutError, httpx.TimeoutException):
            error = f"no answer within {self.timeout_s:g} s"
            return AttemptResult(at=at, duration=elapsed(), error=error)
        except Exception as exc:  # refused, reset, bad URL...: none may stop the relay
            if not isinstance(exc, httpx.HTTPError):
                log.warning("webhook attempt failed unexpectedly", exc_info=True)
            error = f"{type(exc).__name__}: {exc}"[:500]
            return AttemptResult(at=at, duration=elapsed(), error=error)
        finally:
            self.lanes.give_back(job.url, transport, reusable=reusable)
            await self.lanes.close_retired()
        if 200 <= code < 300:
            verdict = robot_error(answer) if chat else None
            return AttemptResult(at=at, duration=elapsed(), status_code=code, error=verdict)
        return AttemptResult(
            at=at,
            duration=elapsed(),
            status_code=code,
            error=f"HTTP {code} {reason}".strip(),
            retry_after=retry_after,
        )

    @staticmethod
    async def _post(
        transport: Transport, request: httpx.Request
    ) -> tuple[int, str, str | None, bytes]:
        """Status code, reason, Retry-After and the start of the answer's body (a chat
        robot's verdict is in it; the rest is read and dropped)."""
        response = await transport.handle_async_request(request)
        try:
            read = 0
            kept: list[bytes] = []
            async for chunk in response.aiter_raw():
                if read < MAX_RESPONSE_BYTES:
                    kept.append(chunk)
                read += len(chunk)
                if read > MAX_RESPONSE_BYTES:
                    break
            return (
                response.status_code,
                response.reason_phrase,
                response.headers.get("retry-after"),
                b"".join(kept),
            )
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self.lanes.aclose()

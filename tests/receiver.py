"""A real webhook receiver for tests: uvicorn serving a tiny ASGI app on 127.0.0.1.

It records every request and answers as its ``behaviour`` says (a status, headers, or a
wait on an event to play a slow receiver). Not a mock transport: the relay talks HTTP to it.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    query: str = ""

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    wait: asyncio.Event | None = None  # hold the answer until this is set
    body: bytes = b"ok"


Behaviour = Callable[[Received], Reply | Awaitable[Reply]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Receiver:
    def __init__(self, behaviour: Behaviour | None = None, port: int | None = None) -> None:
        self.behaviour: Behaviour = behaviour or (lambda _: Reply())
        self.port = port or free_port()
        self.received: list[Received] = []
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def ids(self) -> list[str]:
        return [r.webhook_id for r in self.received]

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        query = scope.get("query_string", b"").decode()
        request = Received(scope["path"], headers, b"".join(chunks), time.time(), query)
        self.received.append(request)
        reply = self.behaviour(request)
        if not isinstance(reply, Reply):
            reply = await reply
        if reply.wait is not None:
            await reply.wait.wait()
        raw_headers = [(k.encode(), v.encode()) for k, v in reply.headers.items()]
        await send({"type": "http.response.start", "status": reply.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": reply.body})

    async def start(self) -> Receiver:
        config = uvicorn.Config(
            self._app,
            host="127.0.0.1",
            port=self.port,
            lifespan="off",
            interface="asgi3",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = None
        self._task = None


class Listener:
    """A bare TCP socket on 127.0.0.1 that notes each connection's first bytes and closes
    it: proof of whether anything connected, and of what it said first."""

    def __init__(self) -> None:
        self.first_bytes: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.first_bytes.append(await reader.read(4096))
        writer.close()

    async def start(self) -> int:
        """Listen on a free port; returns it."""
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]],
    timeout: float = 10.0,
    every: float = 0.02,
    tick: Callable[[], None] | None = None,
) -> None:
    """Wait until ``condition`` holds (``tick`` runs between looks); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = condition()
        if not isinstance(outcome, bool):
            outcome = await outcome
        if outcome:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        if tick is not None:
            tick()
        await asyncio.sleep(every)

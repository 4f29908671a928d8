"""A real ``nats-server`` with JetStream on a free port, its store in a temporary folder,
so that a test can stop it and start it again (Debian's ``nats-server``; ``.ci/run``
installs it)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from app.services.delivery.stream import STREAM_NAME

BINARY = shutil.which("nats-server") or "/usr/sbin/nats-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NatsServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.store = Path(tempfile.mkdtemp(prefix="huikuan-nats-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def start(self) -> NatsServer:
        command = [BINARY, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(200):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            await asyncio.sleep(0.05)
        raise RuntimeError("nats-server did not start")

    async def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            await asyncio.to_thread(self.process.wait)
            self.process = None

    async def remove(self) -> None:
        await self.kill()
        shutil.rmtree(self.store, ignore_errors=True)


async def connect(url: str) -> NatsClient:
    return await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0)


async def read_stream(url: str, *, expected: int, timeout: float = 15.0) -> list[dict[str, Any]]:
    """Every message of the stream from its start, as a consumer replaying history sees it:
    ``{"seq", "id" (Nats-Msg-Id), "subject", "body"}``, in stream order."""
    nc = await connect(url)
    try:
        js = nc.jetstream()
        deadline = asyncio.get_running_loop().time() + timeout
        while True:  # the publisher creates the stream
            try:
                await js.stream_info(STREAM_NAME)
                break
            except NotFoundError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.05)
        config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE)
        sub = await js.pull_subscribe("huikuan.events.>", stream=STREAM_NAME, config=config)
        seen: list[dict[str, Any]] = []
        while asyncio.get_running_loop().time() < deadline:
            info = await js.stream_info(STREAM_NAME)
            if len(seen) >= info.state.messages and len(seen) >= expected:
                break
            with contextlib.suppress(nats.errors.TimeoutError):
                for msg in await sub.fetch(500, timeout=0.5):
                    assert msg.metadata.sequence is not None
                    seen.append(
                        {
                            "seq": msg.metadata.sequence.stream,
                            "id": (msg.headers or {}).get("Nats-Msg-Id"),
                            "subject": msg.subject,
                            "headers": dict(msg.headers or {}),
                            "body": msg.data,
                        }
                    )
        return seen
    finally:
        await nc.close()

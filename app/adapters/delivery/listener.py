"""LISTEN on a dedicated asyncpg connection: PostgreSQL delivers a NOTIFY at commit.

A notification can be missed (the connection drops, the server restarts), so the relay
polls as well; this only makes the common case fast. After every (re)connection the relay
is woken once, for whatever was committed while nobody listened.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import asyncpg
from sqlalchemy import make_url

log = logging.getLogger("huikuan.relay")

HEALTH_CHECK_S = 30.0
MAX_BACKOFF_S = 30.0


def asyncpg_dsn(database_url: str) -> str:
    """A ``postgresql://`` DSN for asyncpg from any SQLAlchemy-style URL."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class OutboxListener:
    def __init__(self, database_url: str, channel: str, on_notify: Callable[[], None]) -> None:
        self.dsn = asyncpg_dsn(database_url)
        self.channel = channel
        self.on_notify = on_notify
        self.listening = asyncio.Event()  # set while LISTEN is in place

    async def run(self) -> None:
        """Listen until cancelled, reconnecting with backoff when the connection is lost."""
        backoff = 0.5
        while True:
            try:
                await self._listen_once()
                backoff = 0.5
            except Exception as exc:  # whatever it was, polling covers until we are back
                log.warning(
                    "relay listener lost its connection; polling until it is back",
                    extra={"error": type(exc).__name__, "retry_in_s": backoff},
                )
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)

    async def _listen_once(self) -> None:
        conn = await asyncpg.connect(
            self.dsn, server_settings={"application_name": "huikuan-relay-listener"}
        )
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _: lost.set())
            await conn.add_listener(self.channel, lambda *_: self.on_notify())
            self.listening.set()
            self.on_notify()
            while not lost.is_set():
                try:
                    async with asyncio.timeout(HEALTH_CHECK_S):
                        await lost.wait()
                except TimeoutError:
                    # A half-open TCP connection never says it is gone: ask.
                    async with asyncio.timeout(5):
                        await conn.execute("SELECT 1")
        finally:
            self.listening.clear()
            if not conn.is_closed():
                conn.terminate()

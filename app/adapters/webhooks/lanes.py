"""Keep-alive connections per receiver origin, each owned by a one-connection httpx client.

One ``httpx.AsyncClient`` with many connections gets slower as they grow: every request
walks its pool under a lock (measured on this project's 2-core machine: 16 requests in
flight through one client ran at ~45 % of 16 one-connection clients). So each request
borrows a client that has exactly one connection, kept alive for the next request to the
same origin (scheme, host, port). Idle clients are closed after ``idle_s``. All clients
share one TLS context, which is costly to build.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

ClientFactory = Callable[[], httpx.AsyncClient]


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def client_factory(timeout_s: float, headers: dict[str, str]) -> ClientFactory:
    tls = ssl.create_default_context()

    def make() -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            follow_redirects=False,
            headers=headers,
            verify=tls,
            trust_env=False,
        )

    return make


class ConnectionLanes:
    def __init__(self, make: ClientFactory, *, max_idle_per_origin: int, idle_s: float = 60.0):
        self.make = make
        self.max_idle_per_origin = max_idle_per_origin
        self.idle_s = idle_s
        self._idle: dict[str, list[tuple[httpx.AsyncClient, float]]] = {}
        self._closing: list[httpx.AsyncClient] = []
        self._last_sweep = time.monotonic()

    def borrow(self, url: str) -> httpx.AsyncClient:
        free = self._idle.get(origin(url))
        if free:
            return free.pop()[0]
        return self.make()

    def give_back(self, url: str, client: httpx.AsyncClient, *, reusable: bool) -> None:
        free = self._idle.setdefault(origin(url), [])
        if reusable and len(free) < self.max_idle_per_origin:
            free.append((client, time.monotonic()))
        else:
            self._closing.append(client)
        self._sweep()

    def _sweep(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < self.idle_s / 4:
            return
        self._last_sweep = now
        for key in list(self._idle):
            keep = [(c, t) for c, t in self._idle[key] if now - t < self.idle_s]
            self._closing.extend(c for c, t in self._idle[key] if now - t >= self.idle_s)
            if keep:
                self._idle[key] = keep
            else:
                del self._idle[key]

    async def close_retired(self) -> None:
        retired, self._closing = self._closing, []
        for client in retired:
            await client.aclose()

    async def aclose(self) -> None:
        for free in self._idle.values():
            self._closing.extend(c for c, _ in free)
        self._idle.clear()
        await self.close_retired()

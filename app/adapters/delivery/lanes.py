"""Keep-alive connections per receiver origin, each owned by a one-connection httpx
transport.

One ``httpx.AsyncClient`` with many connections gets slower as they grow: every request
walks its pool under a lock (measured on this project's 2-core machine: 16 requests in
flight through one client ran at ~45 % of 16 one-connection clients). So each request
borrows a transport that has exactly one connection, kept alive for the next request to the
same origin (scheme, host, port). Idle ones are closed after ``idle_s``. All share one TLS
context, which is costly to build.

Transports, not clients: a webhook needs none of what a client adds on top (redirects,
cookies, auth, base URLs, event hooks). Their connections are opened through the
destination guard (guard.py).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpcore
import httpx

from app.adapters.delivery.guard import GuardedBackend, Resolver, system_resolver
from app.domain.destinations import DestinationPolicy

Transport = httpx.AsyncHTTPTransport
TransportFactory = Callable[[], Transport]
LIMITS = httpx.Limits(max_connections=1, max_keepalive_connections=1)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def transport_factory(
    destinations: DestinationPolicy, resolve: Resolver = system_resolver
) -> TransportFactory:
    tls = ssl.create_default_context()
    backend = GuardedBackend(destinations, resolve)

    def make() -> Transport:
        transport = httpx.AsyncHTTPTransport(verify=tls, trust_env=False, limits=LIMITS)
        # httpx (pinned below 0.29) takes no network backend: its pool is rebuilt with one,
        # as httpx builds it. tests/integration/test_destination_guard.py proves it is used.
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls,
            max_connections=LIMITS.max_connections,
            max_keepalive_connections=LIMITS.max_keepalive_connections,
            keepalive_expiry=LIMITS.keepalive_expiry,
            network_backend=backend,
        )
        return transport

    return make


class ConnectionLanes:
    def __init__(self, make: TransportFactory, *, max_idle_per_origin: int, idle_s: float = 60.0):
        self.make = make
        self.max_idle_per_origin = max_idle_per_origin
        self.idle_s = idle_s
        self._idle: dict[str, list[tuple[Transport, float]]] = {}
        self._closing: list[Transport] = []
        self._last_sweep = time.monotonic()

    def borrow(self, url: str) -> Transport:
        free = self._idle.get(origin(url))
        if free:
            return free.pop()[0]
        return self.make()

    def give_back(self, url: str, transport: Transport, *, reusable: bool) -> None:
        free = self._idle.setdefault(origin(url), [])
        if reusable and len(free) < self.max_idle_per_origin:
            free.append((transport, time.monotonic()))
        else:
            self._closing.append(transport)
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
        for transport in retired:
            await transport.aclose()

    async def aclose(self) -> None:
        for free in self._idle.values():
            self._closing.extend(c for c, _ in free)
        self._idle.clear()
        await self.close_retired()

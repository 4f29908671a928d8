"""The destination guard at send time, inside the connection itself.

httpcore opens every connection through a network backend; this one resolves the host,
checks every address it resolves to (app/domain/destinations.py) and connects to a
checked address, never to the name. So a DNS answer cannot change between the check and
the connection (rebinding), TLS still verifies and sends SNI for the name (httpcore does
that on the stream it gets back) and the Host header is untouched. It runs once per new
connection: a kept-alive connection is not checked again.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterable
from ipaddress import ip_address

import httpcore

from app.domain.destinations import (
    NOT_ALLOWED,
    Address,
    DestinationPolicy,
    is_metadata_name,
    literal_address,
)


class DestinationRefused(Exception):
    """The host is, or resolves to, an address webhooks may not reach."""

    def __init__(self, host: str) -> None:
        super().__init__(NOT_ALLOWED)
        self.host = host


Resolver = Callable[[str, int], Awaitable[list[Address]]]


async def system_resolver(host: str, port: int) -> list[Address]:
    """The addresses the system's resolver gives, in its order, without repeats."""
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:  # socket.gaierror: the name does not resolve
        raise httpcore.ConnectError(str(exc)) from exc
    return list(dict.fromkeys(ip_address(info[4][0]) for info in found))


async def checked_addresses(
    host: str, port: int, policy: DestinationPolicy, resolve: Resolver = system_resolver
) -> list[Address]:
    """Every address ``host`` stands for, each one permitted, or ``DestinationRefused``."""
    if is_metadata_name(host):
        raise DestinationRefused(host)
    literal = literal_address(host)
    addresses = [literal] if literal is not None else await resolve(host, port)
    if not addresses or not all(policy.permits(a) for a in addresses):
        raise DestinationRefused(host)
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: DestinationPolicy, resolve: Resolver = system_resolver) -> None:
        self.policy = policy
        self.resolve = resolve
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await checked_addresses(host, port, self.policy, self.resolve)
        failure: httpcore.ConnectError | None = None
        for address in addresses:  # in the resolver's order, as a client would
            try:
                return await self.inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)

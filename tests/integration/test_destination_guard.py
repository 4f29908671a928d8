"""The destination guard at send time, against real sockets on 127.0.0.1: a name that
resolves to a denied address is refused before any connection; the connection goes to the
address that was checked; the allow list lets local receivers through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from ipaddress import ip_address

import httpx
import pytest

from app.adapters.delivery.guard import DestinationRefused, Resolver
from app.adapters.delivery.lanes import transport_factory
from app.domain.delivery.delivery import DeliveryStatus
from app.domain.destinations import Address, DestinationPolicy, parse_networks
from app.services.platform import Platform
from tests.conftest import LOCAL_NETWORKS
from tests.integration.conftest import RelayStarter, emit, relay_settings, subscribe
from tests.integration.helpers import all_are, attempted_once, deliveries_of
from tests.receiver import Listener, Receiver, eventually

LOCAL = DestinationPolicy(parse_networks(LOCAL_NETWORKS))


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    server = Listener()
    yield server
    await server.stop()


async def test_a_name_resolving_to_loopback_is_refused_without_a_connection(
    platform: Platform, relays: RelayStarter, listener: Listener
) -> None:
    port = await listener.start()
    endpoint = await subscribe(platform, f"http://localhost:{port}/hooks")
    await emit(platform)
    await relays(relay_settings(webhook_allow_networks=""))

    await eventually(attempted_once(platform, endpoint.endpoint.id))
    [delivery] = await deliveries_of(platform, endpoint.endpoint.id)
    assert delivery.status is DeliveryStatus.PENDING  # retried on the schedule, like any failure
    assert [(a.status_code, a.error) for a in delivery.attempts] == [
        (None, "destination not allowed")
    ]
    await asyncio.sleep(0.2)
    assert listener.first_bytes == []  # no connection was ever made


async def test_a_denied_literal_stored_before_the_guard_is_refused_at_send_time(
    platform: Platform, relays: RelayStarter, listener: Listener
) -> None:
    port = await listener.start()
    endpoint = await subscribe(platform, f"http://127.1:{port}/hooks")  # allowed at creation
    await emit(platform)
    await relays(relay_settings(webhook_allow_networks="10.0.0.0/8"))

    await eventually(attempted_once(platform, endpoint.endpoint.id))
    [delivery] = await deliveries_of(platform, endpoint.endpoint.id)
    assert delivery.last_error == "destination not allowed"
    assert listener.first_bytes == []


async def test_the_allow_list_lets_a_local_name_through_with_its_host_header(
    platform: Platform, relays: RelayStarter, receiver: Receiver
) -> None:
    endpoint = await subscribe(platform, f"http://localhost:{receiver.port}/hooks")
    await emit(platform, 3)
    await relays(relay_settings(webhook_allow_networks=LOCAL_NETWORKS))

    await eventually(all_are(DeliveryStatus.DELIVERED, 3, platform, endpoint.endpoint.id))
    assert {r.headers["host"] for r in receiver.received} == {f"localhost:{receiver.port}"}


def resolver(answers: dict[str, list[str]], asked: list[str]) -> Resolver:
    """A DNS of the test's own: the names it knows exist nowhere else."""

    async def resolve(host: str, port: int) -> list[Address]:
        asked.append(host)
        return [ip_address(a) for a in answers[host]]

    return resolve


async def test_the_connection_goes_to_the_checked_address_and_never_to_the_name(
    receiver: Receiver,
) -> None:
    asked: list[str] = []
    answers = {"receiver.huikuan.test": ["127.0.0.1"]}
    transport = transport_factory(LOCAL, resolver(answers, asked))()
    url = f"http://receiver.huikuan.test:{receiver.port}/hooks"
    async with httpx.AsyncClient(transport=transport) as http:
        assert (await http.post(url, content=b"{}")).status_code == 200
        assert (await http.post(url, content=b"{}")).status_code == 200
    # Resolved once, for the one connection the two requests shared; the Host header and
    # the path are the URL's.
    assert asked == ["receiver.huikuan.test"]
    assert [(r.headers["host"], r.path) for r in receiver.received] == [
        (f"receiver.huikuan.test:{receiver.port}", "/hooks")
    ] * 2


async def test_one_denied_address_among_the_answers_refuses_the_name(listener: Listener) -> None:
    port = await listener.start()
    answers = {"rebind.huikuan.test": ["93.184.215.14", "127.0.0.1"]}
    transport = transport_factory(DestinationPolicy(), resolver(answers, []))()
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(DestinationRefused):
            await http.post(f"http://rebind.huikuan.test:{port}/hooks", content=b"{}")
    assert listener.first_bytes == []


async def test_tls_names_the_host_though_the_connection_goes_to_its_address(
    listener: Listener,
) -> None:
    port = await listener.start()
    answers = {"erp.huikuan.test": ["127.0.0.1"]}
    transport = transport_factory(LOCAL, resolver(answers, []))()
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(httpx.HTTPError):  # the listener speaks no TLS
            await http.post(f"https://erp.huikuan.test:{port}/hooks", content=b"{}")
    [hello] = listener.first_bytes
    assert hello[:1] == b"\x16"  # a TLS handshake record: the ClientHello
    assert b"erp.huikuan.test" in hello  # its server_name (SNI) is the URL's host

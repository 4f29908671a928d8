"""The destination guard's rules: which addresses webhooks may reach, and which URLs."""

from __future__ import annotations

from ipaddress import IPv4Address, ip_address

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.destinations import DestinationPolicy, literal_address, parse_networks
from app.domain.errors import ValidationFailed

DEFAULT = DestinationPolicy()
NO_PRIVATE = DestinationPolicy(deny_private=True)

DENIED = [
    "0.0.0.0",
    "0.1.2.3",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.169.254",
    "169.254.0.1",
    "100.100.100.200",
    "192.0.0.192",
    "192.0.2.1",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "::ffff:0.0.0.0",
    "::127.0.0.1",  # IPv4-compatible
    "::169.254.169.254",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "fe80::1",
    "fe80::1%eth0",
    "febf::1",
    "fec0::1",
    "ff02::1",
    "2001:db8::1",
    "2001::1",  # Teredo
    "100::1",
    "fd00:ec2::254",
]
PRIVATE = [
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.10",
    "100.64.0.1",
    "fc00::1",
    "fd12:3456::1",
    "::ffff:10.1.2.3",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", DENIED)
def test_internal_addresses_are_denied(address: str) -> None:
    assert not DEFAULT.permits(ip_address(address))
    assert not NO_PRIVATE.permits(ip_address(address))


@pytest.mark.parametrize("address", PRIVATE)
def test_private_ranges_are_allowed_unless_denied(address: str) -> None:
    assert DEFAULT.permits(ip_address(address))
    assert not NO_PRIVATE.permits(ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address: str) -> None:
    assert DEFAULT.permits(ip_address(address))
    assert NO_PRIVATE.permits(ip_address(address))


def test_the_allow_list_overrides_the_denial_for_its_networks_only() -> None:
    local = DestinationPolicy(parse_networks(" 127.0.0.0/8 , ::1/128,, 10.1.0.0/16"), True)
    for address in ("127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1", "10.1.2.3"):
        assert local.permits(ip_address(address)), address
    for address in ("169.254.169.254", "0.0.0.0", "::", "10.2.0.1", "192.168.0.1"):
        assert not local.permits(ip_address(address)), address
    assert parse_networks("") == ()
    assert parse_networks("10.0.0.1") == parse_networks("10.0.0.1/32")
    with pytest.raises(ValidationFailed, match="'localhost' is not a network"):
        parse_networks("127.0.0.0/8,localhost")


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("169.254.169.254.", "169.254.169.254"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
    ],
)
def test_every_numeric_form_the_resolver_reads_is_a_literal(host: str, address: str) -> None:
    assert literal_address(host) == ip_address(address)


@pytest.mark.parametrize("host", ["example.com", "localhost", "1e3", "deadbeef.example", ""])
def test_names_are_not_literals(host: str) -> None:
    assert literal_address(host) is None


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://user:pass@erp.example.com/h", "credentials"),
        ("http://token@erp.example.com/h", "credentials"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
        ("http://127.1:22/", "127.0.0.1"),
        ("http://0.0.0.0:8000/", "0.0.0.0"),
        ("http://[::]/", "::"),
        ("http://[fe80::1%25eth0]/", "fe80::1"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
        ("http://METADATA./", "metadata"),
    ],
)
def test_urls_with_credentials_or_denied_hosts_are_refused(url: str, complaint: str) -> None:
    with pytest.raises(ValidationFailed, match=complaint) as caught:
        DEFAULT.check_url(url)
    assert caught.value.loc == ("url",)


def test_names_and_allowed_literals_pass_the_check_at_creation() -> None:
    for url in ("https://erp.example.com/h", "http://localhost:8080/h", "http://10.0.0.5/h"):
        DEFAULT.check_url(url)
    DestinationPolicy(parse_networks("127.0.0.0/8")).check_url("http://127.0.0.1:9/h")
    with pytest.raises(ValidationFailed):
        NO_PRIVATE.check_url("http://10.0.0.5/h")


@given(st.ip_addresses())
def test_an_ipv4_address_and_its_mapped_form_are_judged_alike(address: object) -> None:
    if isinstance(address, IPv4Address):
        mapped = ip_address(f"::ffff:{address}")
        assert DEFAULT.permits(address) == DEFAULT.permits(mapped)
        assert NO_PRIVATE.permits(address) == NO_PRIVATE.permits(mapped)

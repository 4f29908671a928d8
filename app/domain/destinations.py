"""Where webhooks may be sent: the guard that keeps endpoint URLs off internal addresses.

Checked twice: when an endpoint's URL is set (a URL with credentials, a literal address
in a denied range or a cloud metadata name is refused), and at every new connection,
on every address the name resolves to (a name may point anywhere, and change).

The ranges are listed here rather than taken from ``ipaddress``'s ``is_private`` and
friends, whose meaning has changed between Python releases.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import urlsplit

from app.domain.errors import ValidationFailed

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

NOT_ALLOWED = "destination not allowed"

# Names that lead to a cloud's instance metadata (and its credentials) from inside it.
METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.azure.internal",
        "metadata.tencentyun.com",
    }
)

_DENIED = tuple(
    ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network", 0.0.0.0 included
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, 169.254.169.254 (metadata) included
        "100.100.100.200/32",  # Alibaba Cloud's metadata service
        "192.0.0.0/24",  # IETF protocol assignments (Oracle Cloud's metadata is 192.0.0.192)
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, 255.255.255.255 included
        "::/128",  # unspecified
        "::1/128",  # loopback
        "::/96",  # IPv4-compatible (deprecated); its IPv4 address is checked as well
        "100::/64",  # discard-only
        "2001::/32",  # Teredo
        "2001:2::/48",  # benchmarking
        "2001:10::/28",  # ORCHID
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "fd00:ec2::254/128",  # AWS's metadata service over IPv6
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
# Allowed unless HUIKUAN_WEBHOOK_DENY_PRIVATE: receivers on the LAN are normal.
_PRIVATE = tuple(
    ip_network(n)
    for n in ("10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_IPV4_COMPATIBLE = ip_network("::/96")
_NAT64 = (ip_network("64:ff9b::/96"), ip_network("64:ff9b:1::/48"))
_NUMERIC_HOST = frozenset("0123456789abcdefABCDEFxX.")


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one stands for: mapped, compatible, 6to4 or NAT64."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if (address in _IPV4_COMPATIBLE and int(address) > 1) or any(address in net for net in _NAT64):
        return IPv4Address(address.packed[-4:])
    return None


@dataclass(frozen=True, slots=True)
class DestinationPolicy:
    """``allow``: networks let through whatever else says (HUIKUAN_WEBHOOK_ALLOW_NETWORKS);
    ``deny_private``: refuse private ranges too (HUIKUAN_WEBHOOK_DENY_PRIVATE)."""

    allow: tuple[Network, ...] = ()
    deny_private: bool = False

    @classmethod
    def from_settings(cls, allow_networks: str, deny_private: bool) -> DestinationPolicy:
        return cls(parse_networks(allow_networks), deny_private)

    def permits(self, address: Address) -> bool:
        embedded = _embedded_ipv4(address) if isinstance(address, IPv6Address) else None
        candidates = [address] if embedded is None else [address, embedded]
        if any(a in net for a in candidates for net in self.allow):
            return True
        denied = _DENIED + _PRIVATE if self.deny_private else _DENIED
        return not any(a in net for a in candidates for net in denied)

    def check_url(self, url: str) -> None:
        """Refuse, as the ``url`` field's error, credentials and hosts known to be denied."""
        parts = urlsplit(url)
        if parts.username is not None or parts.password is not None:
            raise ValidationFailed("url must not contain credentials (user:password@)", ("url",))
        host = parts.hostname or ""
        if is_metadata_name(host):
            raise ValidationFailed(f"url points at a cloud metadata service: {host}", ("url",))
        literal = literal_address(host)
        if literal is not None and not self.permits(literal):
            shown = host if host == str(literal) else f"{host} ({literal})"
            raise ValidationFailed(
                f"url points at {shown}, an address webhooks may not reach "
                "(see HUIKUAN_WEBHOOK_ALLOW_NETWORKS)",
                ("url",),
            )


def is_metadata_name(host: str) -> bool:
    return host.lower().rstrip(".") in METADATA_NAMES


def literal_address(host: str) -> Address | None:
    """The address a host names without DNS: an IP literal, or any IPv4 form the C
    resolver reads as a number (``127.1``, ``0x7f.1``, ``2130706433``, ``0177.0.0.1``)."""
    host = host.rstrip(".")
    try:
        return ip_address(host)
    except ValueError:
        pass
    if not host or not set(host) <= _NUMERIC_HOST:
        return None
    try:
        return IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def parse_networks(text: str) -> tuple[Network, ...]:
    """``"127.0.0.0/8, ::1/128"``: comma-separated CIDRs (a bare address is a /32 or /128)."""
    networks: list[Network] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            networks.append(ip_network(part, strict=False))
        except ValueError:
            raise ValidationFailed(f"{part!r} is not a network like 127.0.0.0/8") from None
    return tuple(networks)

"""Public destinations: a tenant's URL must not make our workers call our own network (SSRF).

A host is accepted only when every address it resolves to is public: not loopback, private,
link-local (169.254.169.254, the cloud metadata service), shared (100.64.0.0/10), unique or
site local, multicast, reserved or unspecified, including such an IPv4 address carried inside
an IPv6 one (IPv4-mapped, 6to4, NAT64). Hosts an operator lists in `allow_http_hosts` (local
test servers) are exempt.

Resolution goes through a `Resolver`: `SystemResolver` asks the operating system (hosts file,
then DNS) off the event loop; `StaticResolver` answers from a table, for tests.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from typing import Protocol

from models.errors import ModelError

IPAddress = IPv4Address | IPv6Address

# Checked first: ranges Python 3.11 counts as global (fec0::/10, 64:ff9b:1::/48) or names vaguely.
_NETWORKS = (
    (ip_network("100.64.0.0/10"), "a shared (carrier-grade NAT) address"),
    (ip_network("fc00::/7"), "a unique local (private) address"),
    (ip_network("fec0::/10"), "a site-local address"),
    (ip_network("64:ff9b:1::/48"), "a local-use NAT64 address"),
)
# Then in this order, since one address often has several (127.0.0.1 is also private).
_KINDS = (
    ("is_unspecified", "the unspecified address"),
    ("is_loopback", "a loopback address"),
    ("is_link_local", "a link-local address"),
    ("is_multicast", "a multicast address"),  # 3.11 says 224.0.0.1 and ff02::1 are global
    ("is_reserved", "a reserved address"),  # also ::/8, where 3.11 finds ::127.0.0.1 global
    ("is_private", "a private address"),
)
_NAT64 = ip_network("64:ff9b::/96")


class DestinationRefused(ModelError):
    """Raised when a host is, or resolves to, an address that is not public; the message names both.
    `retryable` tells a delivery whether asking again later may help (a name may resolve later)."""

    retryable = False


class HostUnresolved(DestinationRefused):
    """Raised when a host does not resolve; refused too, though the name may resolve later."""

    retryable = True


class Resolver(Protocol):
    async def resolve(self, host: str) -> list[IPAddress]:
        """Every address of `host`; raises socket.gaierror, as getaddrinfo does, when there is none."""
        ...


class SystemResolver:
    """getaddrinfo, run in asyncio's executor so a slow DNS server does not stall the event loop."""

    async def resolve(self, host: str) -> list[IPAddress]:
        answers = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(ip_address(sockaddr[0]) for *_, sockaddr in answers))


@dataclass(frozen=True)
class StaticResolver:
    """Answers from a table, host name -> addresses, like a hosts file with no DNS behind it."""

    table: Mapping[str, Sequence[str]] = field(default_factory=dict)

    async def resolve(self, host: str) -> list[IPAddress]:
        if not self.table.get(host.lower()):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ip_address(address) for address in self.table[host.lower()]]


def address_kind(address: IPAddress) -> str | None:
    """None for a public address, else what it is: "a private address", "a loopback address"…"""
    address = _embedded_ipv4(address) or address
    for network, kind in _NETWORKS:
        if address in network:
            return kind
    for attribute, kind in _KINDS:
        if getattr(address, attribute):
            return kind
    return None if address.is_global else "a non-global address"


def _embedded_ipv4(address: IPAddress) -> IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (IPv4-mapped, 6to4, NAT64), which is the one reached."""
    if isinstance(address, IPv4Address):
        return None
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFF_FFFF)
    return address.ipv4_mapped or address.sixtofour


async def public_address(
    host: str, resolver: Resolver, *, exempt: Iterable[str] = (), what: str = "host"
) -> IPAddress | None:
    """The address to connect to for `host`: its first, once every one it resolves to is public.

    None for an exempt host (a local test server the operator listed), which is connected to
    by name and not checked. Raises DestinationRefused, or HostUnresolved, naming host and address.
    """
    if host.lower() in {name.lower() for name in exempt}:
        return None
    literal = _literal(host)
    addresses = [literal] if literal is not None else await _resolved(host, resolver, what)
    for address in addresses:
        kind = address_kind(address)
        if kind is not None:
            embedded = _embedded_ipv4(address)
            shown = f"{address} (IPv4 {embedded})" if embedded else str(address)
            where = f"is {kind}" if literal is not None else f"resolves to {shown}, {kind}"
            raise DestinationRefused(f"{what} {host!r} {where}; only public addresses are called")
    return addresses[0]


def _literal(host: str) -> IPAddress | None:
    try:
        return ip_address(host)
    except ValueError:
        return None


async def _resolved(host: str, resolver: Resolver, what: str) -> list[IPAddress]:
    try:
        addresses = await resolver.resolve(host)
    except (OSError, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise HostUnresolved(f"{what} {host!r} does not resolve ({reason})") from None
    if not addresses:
        raise HostUnresolved(f"{what} {host!r} does not resolve (no address)")
    return addresses

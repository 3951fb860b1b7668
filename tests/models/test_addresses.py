"""Public destinations: which addresses count as public, the Resolver seam (the system's
getaddrinfo and the static table, held to the same behaviour), and `public_address`."""

import socket
from ipaddress import ip_address

import pytest

from models.addresses import (
    DestinationRefused,
    HostUnresolved,
    StaticResolver,
    SystemResolver,
    address_kind,
    public_address,
)

NOWHERE = "no-such-host.invalid"  # .invalid never resolves (RFC 6761)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.0.0.5", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.1.1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("100.64.0.1", "a shared (carrier-grade NAT) address"),
        ("fd00::5", "a unique local (private) address"),
        ("fec0::1", "a site-local address"),
        ("0.0.0.0", "the unspecified address"),
        ("::", "the unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("::127.0.0.1", "a reserved address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("::ffff:10.0.0.5", "a private address"),
        ("64:ff9b::a00:5", "a private address"),
        ("64:ff9b:1::a00:5", "a local-use NAT64 address"),
        ("2002:a00:5::1", "a private address"),
        ("2001:db8::1", "a private address"),
    ],
)
def test_addresses_inside_private_networks_are_named_by_kind(address, kind):
    assert address_kind(ip_address(address)) == kind


@pytest.mark.parametrize("address", ["1.1.1.1", "93.184.216.34", "2606:4700::1111", "::ffff:1.1.1.1",
                                     "64:ff9b::101:101"])
def test_public_addresses_have_no_kind(address):
    assert address_kind(ip_address(address)) is None


# --- the Resolver seam --------------------------------------------------------------------------


@pytest.fixture(params=["system", "static"])
def resolver(request):
    if request.param == "system":
        return SystemResolver()
    return StaticResolver({"localhost": ("127.0.0.1",)})


async def test_resolver_answers_every_address_of_a_name(resolver):
    assert ip_address("127.0.0.1") in await resolver.resolve("localhost")


async def test_resolver_raises_gaierror_for_a_name_that_does_not_resolve(resolver):
    with pytest.raises(socket.gaierror):
        await resolver.resolve(NOWHERE)


# --- public_address -----------------------------------------------------------------------------


async def test_name_resolving_to_loopback_is_refused_naming_host_and_address():
    with pytest.raises(DestinationRefused) as raised:
        await public_address("localhost", SystemResolver(), what="webhook host")

    assert str(raised.value).startswith("webhook host 'localhost' resolves to 127.0.0.1, a loopback address")
    assert raised.value.retryable is False


async def test_literal_address_is_judged_without_resolving():
    with pytest.raises(DestinationRefused, match="^host '169.254.169.254' is a link-local address"):
        await public_address("169.254.169.254", StaticResolver())

    assert await public_address("93.184.216.34", StaticResolver()) == ip_address("93.184.216.34")


async def test_name_is_refused_when_any_of_its_addresses_is_private():
    resolver = StaticResolver({"split.example.com": ("93.184.216.34", "10.0.0.5")})

    with pytest.raises(DestinationRefused, match="resolves to 10.0.0.5, a private address"):
        await public_address("split.example.com", resolver)


async def test_nat64_address_is_shown_with_the_ipv4_address_it_reaches():
    resolver = StaticResolver({"hooks.example.com": ("64:ff9b::a9fe:a9fe",)})

    with pytest.raises(DestinationRefused, match=r"64:ff9b::a9fe:a9fe \(IPv4 169.254.169.254\), a link-local"):
        await public_address("hooks.example.com", resolver)


async def test_public_name_gives_its_first_address_to_connect_to():
    resolver = StaticResolver({"hooks.example.com": ("2606:4700::1111", "1.1.1.1")})

    assert await public_address("hooks.example.com", resolver) == ip_address("2606:4700::1111")


async def test_name_that_does_not_resolve_is_refused_and_may_be_retried():
    with pytest.raises(HostUnresolved, match=f"webhook host '{NOWHERE}' does not resolve") as raised:
        await public_address(NOWHERE, SystemResolver(), what="webhook host")

    assert raised.value.retryable is True


async def test_exempt_host_is_neither_resolved_nor_checked():
    assert await public_address("LocalHost", StaticResolver(), exempt=["localhost"]) is None

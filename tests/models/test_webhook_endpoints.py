"""Registering an endpoint checks its host's addresses; an operator's allowed test hosts are exempt."""

import pytest

from models.addresses import StaticResolver
from models.tables import WebhookEndpoint
from models.webhook_endpoints import EndpointRefused, register


async def test_name_resolving_to_a_private_address_is_refused_and_nothing_is_written(demo):
    resolver = StaticResolver({"erp.example.com": ("93.184.216.34", "192.168.1.20")})

    with pytest.raises(EndpointRefused, match="'erp.example.com' resolves to 192.168.1.20, a private address"):
        await register(demo, "https://erp.example.com/hook", ["*"], resolver=resolver)

    assert await WebhookEndpoint.count() == 0


async def test_name_resolving_only_to_public_addresses_is_registered(demo):
    resolver = StaticResolver({"erp.example.com": ("93.184.216.34", "2606:2800:220:1::1")})

    endpoint, _ = await register(demo, "https://erp.example.com/hook", ["*"], resolver=resolver)

    assert endpoint["url"] == "https://erp.example.com/hook"


async def test_host_the_operator_allows_is_registered_though_it_is_local(demo):
    endpoint, _ = await register(demo, "http://localhost:8080/hook", ["*"], allow_http_hosts=("localhost",))

    assert endpoint["active"] is True
    assert await WebhookEndpoint.count() == 1

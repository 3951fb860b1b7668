"""Registering webhook endpoints: HTTPS to public addresses only, the secret shown once."""

import json
import secrets
from typing import Any
from urllib.parse import urlparse

from models.addresses import DestinationRefused, Resolver, SystemResolver, public_address
from models.errors import ModelError
from models.tables import WebhookEndpoint

EVENTS = ("*", "document.transitioned")
MAX_ENDPOINTS = 20


class EndpointRefused(ModelError):
    """Raised when an endpoint URL or its events cannot be accepted; the message says why."""


async def register(
    organisation_id: int,
    url: str,
    events: list[str],
    allow_http_hosts: tuple[str, ...] = (),
    resolver: Resolver | None = None,
) -> tuple[dict[str, Any], str]:
    """A new active endpoint and its signing secret (returned here only).

    The host must resolve, and only to public addresses, unless listed in `allow_http_hosts`;
    deliveries check it again, since what a name resolves to can change after this.
    """
    parsed = urlparse(url)
    if parsed.scheme != "https" and not (parsed.scheme == "http" and parsed.hostname in allow_http_hosts):
        raise EndpointRefused(f"webhook URL {url!r} must use https://")
    if not parsed.hostname or len(url) > 2000 or parsed.username or parsed.password:
        raise EndpointRefused(f"webhook URL {url!r} must name a host and carry no credentials")
    unknown = [e for e in events if e not in EVENTS]
    if unknown or not events:
        named = ", ".join(unknown) or "(none given)"
        raise EndpointRefused(f"unknown event(s) {named}; use one of {', '.join(EVENTS)}")
    if await WebhookEndpoint.count().where(WebhookEndpoint.organisation == organisation_id) >= MAX_ENDPOINTS:
        raise EndpointRefused(f"an organisation has at most {MAX_ENDPOINTS} webhook endpoints")
    try:
        await public_address(parsed.hostname, resolver or SystemResolver(), exempt=allow_http_hosts,
                             what="webhook host")
    except DestinationRefused as error:
        raise EndpointRefused(str(error)) from None
    secret = "whsec_" + secrets.token_urlsafe(32)
    row = WebhookEndpoint(organisation=organisation_id, url=url, secret=secret, events=json.dumps(events))
    await row.save()
    return {"id": row.id, "url": url, "events": events, "active": True}, secret


async def deactivate(organisation_id: int, endpoint_id: int) -> bool:
    rows = await WebhookEndpoint.update({WebhookEndpoint.active: False}).where(
        (WebhookEndpoint.id == endpoint_id) & (WebhookEndpoint.organisation == organisation_id)
    ).returning(WebhookEndpoint.id)
    return bool(rows)

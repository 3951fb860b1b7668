"""Webhooks: document events POSTed as signed JSON to the HTTPS endpoints an organisation registered.

Each request carries three headers:

- `X-Parapheur-Event`: the event name, e.g. `document.transitioned`;
- `X-Parapheur-Delivery`: the delivery id, the same on every retry of one delivery, so a
  receiver can ignore a delivery it has already processed;
- `X-Parapheur-Signature: t=<unix seconds>,v1=<hex>` where `<hex>` is the HMAC-SHA256, keyed
  with the endpoint's secret, of `f"{t}."` followed by the exact bytes of the body.

Receivers check it with `verify(secret, header, raw_body)` (or the same few lines in their own
language) on the raw body as received, before parsing it: re-serialising the JSON changes the
bytes. The timestamp is signed too, and `verify` refuses one older than five minutes, so a
captured request cannot be replayed later.

Requests go only to public addresses (`jobs/connectors/addresses.py`), checked when the
endpoint is registered and again before each request, which is sent to the address checked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlsplit
from uuid import UUID

import httpx

from jobs.connectors import ConnectorError, InsecureTransport, check_transport
from models.addresses import (
    DestinationRefused,
    IPAddress,
    Resolver,
    StaticResolver,
    SystemResolver,
    public_address,
)

SIGNATURE_HEADER = "X-Parapheur-Signature"
EVENT_HEADER = "X-Parapheur-Event"
DELIVERY_HEADER = "X-Parapheur-Delivery"
USER_AGENT = "Parapheur-Webhooks/1"


class WebhookError(ConnectorError):
    """Raised when a webhook could not be delivered."""


class WebhookFailed(WebhookError):
    """Raised when the endpoint answered other than 2xx, or not in time: deliver again later."""

    retryable = True


class WebhookGone(WebhookError):
    """Raised when the endpoint answered 410 Gone: it asks not to be called again, disable the subscription."""

    retryable = False


class WebhookRefused(WebhookError):
    """Raised when the registered URL is not one Parapheur will send to (plain http, a private address)."""

    retryable = False


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of `f"{timestamp}."` + body."""
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: bytes, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(secret: bytes, header: str, body: bytes, tolerance_seconds: int = 300, now: float | None = None) -> bool:
    """True when `header` (X-Parapheur-Signature) signs `body` with `secret`, dated within the tolerance.

    For receivers: pass the raw request body, not re-serialised JSON. Several `v1=` values are
    accepted (one per secret while a secret is being rotated). Comparison is constant-time.
    """
    timestamp: int | None = None
    candidates: list[str] = []
    for part in (header or "").split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


def encode_payload(payload: dict[str, Any]) -> bytes:
    """Compact JSON with sorted keys; Decimal amounts, dates and UUIDs as strings (never floats)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_jsonable).encode()


def _jsonable(value: Any) -> str:
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"webhook payloads hold JSON values, Decimal, date, datetime and UUID; got {type(value).__name__}")


def request_headers(event: str, secret: bytes, delivery_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header of a webhook request for this body."""
    if not secret:
        raise WebhookRefused(f"the webhook for {event!r} has an empty secret; register the endpoint with a secret")
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery_id,
        SIGNATURE_HEADER: signature_header(secret, timestamp, body),
    }


def check_url(url: str, allow_http_hosts: Iterable[str]) -> None:
    try:
        check_transport(url, allow_http_hosts, "the webhook URL")
    except InsecureTransport as error:
        raise WebhookRefused(str(error)) from None


async def check_address(url: str, allow_http_hosts: Iterable[str], resolver: Resolver) -> IPAddress | None:
    """The address to send to, checked again at each delivery since DNS answers change after registration.

    None for a host in `allow_http_hosts` (sent to by name, unchecked). A private address is
    refused for good; a name that does not resolve now may later, so that attempt is retried.
    """
    try:
        return await public_address(urlsplit(url).hostname or "", resolver, exempt=allow_http_hosts,
                                    what="webhook host")
    except DestinationRefused as error:
        raise (WebhookFailed if error.retryable else WebhookRefused)(str(error)) from None


def pinned(request: httpx.Request, address: IPAddress) -> httpx.Request:
    """`request` sent to `address`, the one checked, not to whatever the name resolves to when connecting
    (DNS rebinding). The Host header, TLS SNI and certificate check stay on the URL's host name.

    Through an HTTP proxy taken from the environment (HTTPS_PROXY), httpcore's tunnel ignores
    `sni_hostname` and checks the certificate against the address: such deliveries fail, closed.
    """
    request.extensions["sni_hostname"] = request.url.host
    request.url = request.url.copy_with(host=str(address))
    return request


class WebhookSender(Protocol):
    async def deliver(self, url: str, event: str, payload: dict[str, Any], secret: bytes, delivery_id: str) -> int:
        """POST the signed event to `url`; return the HTTP status (2xx) or raise a WebhookError."""
        ...


class HttpWebhookSender:
    """Delivers over HTTPS with httpx to the public address it checked; never follows redirects (a
    redirect could lead anywhere, a private address included)."""

    def __init__(
        self,
        timeout: float = 10.0,
        allow_http_hosts: Iterable[str] = (),
        clock: Callable[[], float] = time.time,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.timeout = timeout
        self.allow_http_hosts = frozenset(allow_http_hosts)
        self.clock = clock
        self.resolver = resolver or SystemResolver()
        self.transport = transport

    async def deliver(self, url: str, event: str, payload: dict[str, Any], secret: bytes, delivery_id: str) -> int:
        check_url(url, self.allow_http_hosts)
        address = await check_address(url, self.allow_http_hosts, self.resolver)
        body = encode_payload(payload)
        headers = request_headers(event, secret, delivery_id, int(self.clock()), body)
        where = f"webhook {delivery_id} ({event}) to {_shown(url)}"
        try:
            async with httpx.AsyncClient(
                timeout=self.timeout, follow_redirects=False, transport=self.transport
            ) as client:
                request = client.build_request("POST", url, content=body, headers=headers)
                response = await client.send(request if address is None else pinned(request, address))
        except httpx.TimeoutException as error:
            raise WebhookFailed(f"{where}: no answer within {self.timeout:g} s") from error
        except httpx.TransportError as error:
            raise WebhookFailed(f"{where}: could not connect ({error or type(error).__name__})") from error
        if response.is_success:
            return response.status_code
        if response.status_code == 410:
            raise WebhookGone(f"{where}: the endpoint answered 410 Gone; disable or update this webhook")
        if response.is_redirect:
            raise WebhookFailed(
                f"{where}: the endpoint redirects (HTTP {response.status_code} to "
                f"{response.headers.get('location', '?')}); redirects are not followed, register the final URL"
            )
        raise WebhookFailed(f"{where}: the endpoint answered HTTP {response.status_code}: {response.text[:200]!r}")


def _shown(url: str) -> str:
    """The URL without its query string, which may carry a token of the receiver's."""
    parts = urlsplit(url)
    return parts._replace(query="", fragment="").geturl()


@dataclass(frozen=True)
class Delivery:
    """One webhook request as it would have gone on the wire."""

    url: str
    event: str
    payload: dict[str, Any]
    delivery_id: str
    body: bytes
    headers: dict[str, str]


@dataclass
class InMemoryWebhookSender:
    """Records deliveries after the same URL checks and signing as HttpWebhookSender; `fail_next` scripts failures.

    Host names resolve through `resolver`, by default a `StaticResolver` that knows none (no DNS in tests)."""

    allow_http_hosts: frozenset[str] = frozenset()
    clock: Callable[[], float] = time.time
    resolver: Resolver = field(default_factory=StaticResolver)
    delivered: list[Delivery] = field(default_factory=list)
    failures: list[WebhookError] = field(default_factory=list)

    def fail_next(self, error: WebhookError) -> None:
        """Make the next `deliver` raise `error` (queued: call several times for several failures)."""
        self.failures.append(error)

    async def deliver(self, url: str, event: str, payload: dict[str, Any], secret: bytes, delivery_id: str) -> int:
        check_url(url, self.allow_http_hosts)
        await check_address(url, self.allow_http_hosts, self.resolver)
        body = encode_payload(payload)
        headers = request_headers(event, secret, delivery_id, int(self.clock()), body)
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append(Delivery(url, event, payload, delivery_id, body, headers))
        return 200

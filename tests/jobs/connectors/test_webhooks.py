"""The WebhookSender seam: HttpWebhookSender against a real local receiver that checks signatures
with `verify`, and InMemoryWebhookSender, held to the same behaviour; `verify` itself."""

import asyncio
import hashlib
import hmac
import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from ipaddress import ip_address

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from jobs.connectors import ConnectorError
from jobs.connectors.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    HttpWebhookSender,
    InMemoryWebhookSender,
    WebhookError,
    WebhookFailed,
    WebhookGone,
    WebhookRefused,
    WebhookSender,
    pinned,
    sign,
    verify,
)
from models.addresses import StaticResolver
from tests.jobs.conftest import UNRESOLVED_TLS_HOST

SECRET = b"whsec_3f1c9a"
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
EVENT = "document.transitioned"
PAYLOAD = {
    "organisation": "acme",
    "document": {"number": "FA-2026-00007", "state": "validated", "total_ttc": Decimal("1234.50")},
    "actor": "daf@acme.example",
}
# What DNS answers in these tests: a public address, and a name since rebound to a private one.
RESOLVER = StaticResolver({"hooks.example.com": ("93.184.216.34",), "rebound.example.com": ("10.0.0.5",)})


@dataclass
class Receiver:
    """An integrator's endpoint: checks the signature on the raw body exactly as the docs tell them to."""

    requests: list[dict] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/hooks/parapheur", self.hook, methods=["POST"]),
                Route("/hooks/gone", lambda request: PlainTextResponse("unsubscribed", 410), methods=["POST"]),
                Route("/hooks/broken", lambda request: PlainTextResponse("database down", 500), methods=["POST"]),
                Route("/hooks/moved", lambda request: RedirectResponse("/hooks/parapheur", 307), methods=["POST"]),
                Route("/hooks/slow", self.slow, methods=["POST"]),
            ]
        )

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        verified = verify(SECRET, request.headers.get(SIGNATURE_HEADER, ""), body)
        self.requests.append({"headers": dict(request.headers), "body": body, "verified": verified})
        return Response(status_code=204 if verified else 401)

    async def slow(self, request: Request) -> Response:
        await asyncio.sleep(1.0)
        return Response(status_code=204)


@pytest.fixture
def receiver(serve) -> tuple[Receiver, str]:
    endpoint = Receiver()
    return endpoint, serve(endpoint.app())


@dataclass
class SenderUnderTest:
    sender: WebhookSender
    url: str
    received: Callable[[], list[tuple[dict[str, str], bytes]]]  # (lower-cased headers, raw body)


@pytest.fixture(params=["http", "memory"])
def under_test(request) -> SenderUnderTest:
    if request.param == "http":
        endpoint, base_url = request.getfixturevalue("receiver")
        return SenderUnderTest(
            HttpWebhookSender(timeout=5, allow_http_hosts={"127.0.0.1"}, resolver=RESOLVER),
            base_url + "/hooks/parapheur",
            lambda: [(item["headers"], item["body"]) for item in endpoint.requests if item["verified"]],
        )
    memory = InMemoryWebhookSender(allow_http_hosts=frozenset({"127.0.0.1"}), resolver=RESOLVER)
    return SenderUnderTest(
        memory,
        "http://127.0.0.1:9/hooks/parapheur",
        lambda: [({k.lower(): v for k, v in d.headers.items()}, d.body) for d in memory.delivered],
    )


# --- the same behaviour from both senders -------------------------------------------------------


async def test_delivery_is_signed_so_the_receiver_verifies_the_exact_raw_body(under_test):
    status = await under_test.sender.deliver(under_test.url, EVENT, PAYLOAD, SECRET, "dlv-42")

    assert 200 <= status < 300
    [(headers, body)] = under_test.received()
    assert verify(SECRET, headers[SIGNATURE_HEADER.lower()], body)
    assert headers[EVENT_HEADER.lower()] == EVENT
    assert headers[DELIVERY_HEADER.lower()] == "dlv-42"
    assert headers["content-type"] == "application/json"


async def test_body_is_compact_json_with_sorted_keys_and_exact_decimal_amounts(under_test):
    await under_test.sender.deliver(under_test.url, EVENT, PAYLOAD, SECRET, "dlv-42")

    [(_, body)] = under_test.received()
    assert body == (
        b'{"actor":"daf@acme.example","document":{"number":"FA-2026-00007","state":"validated",'
        b'"total_ttc":"1234.50"},"organisation":"acme"}'
    )
    assert json.loads(body)["document"]["total_ttc"] == "1234.50"


async def test_plain_http_to_a_host_not_allowed_is_refused_before_sending(under_test):
    with pytest.raises(WebhookRefused, match="plain http") as raised:
        await under_test.sender.deliver("http://hooks.example.com/in", EVENT, PAYLOAD, SECRET, "dlv-42")

    assert raised.value.retryable is False
    assert under_test.received() == []


@pytest.mark.parametrize("url", ["ftp://hooks.example.com/in", "/hooks/relative", "https:///no-host"])
async def test_url_that_is_not_absolute_https_is_refused(under_test, url):
    with pytest.raises(WebhookRefused, match="not an absolute https:// URL"):
        await under_test.sender.deliver(url, EVENT, PAYLOAD, SECRET, "dlv-42")


async def test_empty_secret_is_refused_since_nothing_could_be_verified(under_test):
    with pytest.raises(WebhookRefused, match="empty secret"):
        await under_test.sender.deliver(under_test.url, EVENT, PAYLOAD, b"", "dlv-42")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://rebound.example.com/in", "host 'rebound.example.com' resolves to 10.0.0.5, a private address"),
        ("https://169.254.169.254/latest/meta-data/", "webhook host '169.254.169.254' is a link-local address"),
        ("https://[::1]/in", "webhook host '::1' is a loopback address"),
    ],
)
async def test_private_address_is_refused_before_sending_even_if_registered_when_public(under_test, url, message):
    with pytest.raises(WebhookRefused, match=message) as raised:
        await under_test.sender.deliver(url, EVENT, PAYLOAD, SECRET, "dlv-42")

    assert raised.value.retryable is False
    assert under_test.received() == []


async def test_host_that_no_longer_resolves_is_a_retryable_failure(under_test):
    with pytest.raises(WebhookFailed, match="webhook host 'gone.example.com' does not resolve") as raised:
        await under_test.sender.deliver("https://gone.example.com/in", EVENT, PAYLOAD, SECRET, "dlv-42")

    assert raised.value.retryable is True


# --- HTTP on the wire ---------------------------------------------------------------------------


async def test_receiver_rejects_a_delivery_signed_with_another_secret(receiver):
    endpoint, base_url = receiver
    sender = HttpWebhookSender(timeout=5, allow_http_hosts={"127.0.0.1"})

    with pytest.raises(WebhookFailed, match="HTTP 401"):
        await sender.deliver(base_url + "/hooks/parapheur", EVENT, PAYLOAD, b"not-the-secret", "dlv-42")

    assert [item["verified"] for item in endpoint.requests] == [False]


async def test_410_gone_is_a_permanent_error_asking_to_disable_the_webhook(receiver):
    _, base_url = receiver
    sender = HttpWebhookSender(timeout=5, allow_http_hosts={"127.0.0.1"})

    with pytest.raises(WebhookGone, match="410 Gone; disable or update this webhook") as raised:
        await sender.deliver(base_url + "/hooks/gone", EVENT, PAYLOAD, SECRET, "dlv-42")

    assert raised.value.retryable is False


async def test_500_is_a_retryable_failure_quoting_the_answer(receiver):
    _, base_url = receiver
    sender = HttpWebhookSender(timeout=5, allow_http_hosts={"127.0.0.1"})

    with pytest.raises(WebhookFailed, match="HTTP 500: 'database down'") as raised:
        await sender.deliver(base_url + "/hooks/broken", EVENT, PAYLOAD, SECRET, "dlv-42")

    assert raised.value.retryable is True


async def test_redirect_is_not_followed(receiver):
    endpoint, base_url = receiver
    sender = HttpWebhookSender(timeout=5, allow_http_hosts={"127.0.0.1"})

    with pytest.raises(WebhookFailed, match="redirects \\(HTTP 307 to /hooks/parapheur\\); redirects are not followed"):
        await sender.deliver(base_url + "/hooks/moved", EVENT, PAYLOAD, SECRET, "dlv-42")

    assert endpoint.requests == []


async def test_request_goes_to_the_checked_address_with_host_and_sni_on_the_name():
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    sender = HttpWebhookSender(timeout=5, resolver=RESOLVER, transport=httpx.MockTransport(answer))

    assert await sender.deliver("https://hooks.example.com/in?t=1", EVENT, PAYLOAD, SECRET, "dlv-42") == 204
    [request] = sent
    assert str(request.url) == "https://93.184.216.34/in?t=1"
    assert request.headers["host"] == "hooks.example.com"
    assert request.extensions["sni_hostname"] == "hooks.example.com"


@pytest.fixture
def tls_echo(serve, tls_files) -> tuple[int, ssl.SSLContext]:
    """An HTTPS server on 127.0.0.1 answering with the Host header it got, and a context trusting it."""

    async def echo(request: Request) -> Response:
        return PlainTextResponse(request.headers["host"])

    base_url = serve(Starlette(routes=[Route("/in", echo, methods=["POST"])]), tls=tls_files)
    return int(base_url.rsplit(":", 1)[1]), ssl.create_default_context(cafile=str(tls_files.certificate))


async def test_pinned_request_reaches_the_address_and_verifies_the_certificate_of_the_name(tls_echo):
    port, trust = tls_echo
    async with httpx.AsyncClient(verify=trust) as client:
        request = client.build_request("POST", f"https://{UNRESOLVED_TLS_HOST}:{port}/in")
        response = await client.send(pinned(request, ip_address("127.0.0.1")))

    assert response.text == f"{UNRESOLVED_TLS_HOST}:{port}"


async def test_pinned_request_fails_when_the_certificate_is_not_for_the_name(tls_echo):
    """The certificate is valid for 127.0.0.1 itself: only a check on the name can refuse it."""
    port, trust = tls_echo
    async with httpx.AsyncClient(verify=trust) as client:
        request = client.build_request("POST", f"https://elsewhere.parapheur.test:{port}/in")
        with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
            await client.send(pinned(request, ip_address("127.0.0.1")))


async def test_endpoint_that_does_not_answer_in_time_is_a_retryable_failure(receiver):
    _, base_url = receiver
    sender = HttpWebhookSender(timeout=0.2, allow_http_hosts={"127.0.0.1"})

    with pytest.raises(WebhookFailed, match="no answer within 0.2 s"):
        await sender.deliver(base_url + "/hooks/slow", EVENT, PAYLOAD, SECRET, "dlv-42")


async def test_unreachable_endpoint_is_a_retryable_failure_without_the_query_token(closed_port):
    sender = HttpWebhookSender(timeout=5, allow_http_hosts={"127.0.0.1"})
    url = f"http://127.0.0.1:{closed_port}/hooks?token=receiver-secret"

    with pytest.raises(WebhookFailed, match="could not connect") as raised:
        await sender.deliver(url, EVENT, PAYLOAD, SECRET, "dlv-42")

    assert "receiver-secret" not in str(raised.value)


# --- verify, for receivers ----------------------------------------------------------------------

BODY = b'{"document":{"number":"FA-2026-00007"}}'


def header_for(body: bytes, timestamp: int = NOW, secret: bytes = SECRET) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET, b"1767225600." + BODY, hashlib.sha256).hexdigest()

    assert sign(SECRET, NOW, BODY) == expected


def test_verify_accepts_the_signed_body_within_the_tolerance():
    assert verify(SECRET, header_for(BODY), BODY, now=NOW + 299)


def test_verify_rejects_a_tampered_body():
    tampered = BODY.replace(b"00007", b"00008")

    assert not verify(SECRET, header_for(BODY), tampered, now=NOW)


def test_verify_rejects_re_serialised_json_since_the_bytes_differ():
    reserialised = json.dumps(json.loads(BODY)).encode()

    assert not verify(SECRET, header_for(BODY), reserialised, now=NOW)


@pytest.mark.parametrize("age", [301, -301, 86_400])
def test_verify_rejects_a_timestamp_outside_the_tolerance(age):
    assert not verify(SECRET, header_for(BODY), BODY, now=NOW + age)


def test_verify_rejects_a_replayed_signature_under_a_new_timestamp():
    old = sign(SECRET, NOW - 3600, BODY)

    assert not verify(SECRET, f"t={NOW},v1={old}", BODY, now=NOW)


def test_verify_rejects_another_secret():
    assert not verify(b"other", header_for(BODY), BODY, now=NOW)


@pytest.mark.parametrize("header", ["", "garbage", f"v1={sign(SECRET, NOW, BODY)}", f"t={NOW}", "t=²,v1=ab"])
def test_verify_rejects_a_malformed_header(header):
    assert not verify(SECRET, header, BODY, now=NOW)


def test_verify_accepts_any_v1_while_a_secret_is_rotated():
    header = f"t={NOW},v1={sign(b'old-secret', NOW, BODY)},v1={sign(SECRET, NOW, BODY)}"

    assert verify(SECRET, header, BODY, now=NOW)
    assert verify(b"old-secret", header, BODY, now=NOW)


async def test_sender_dates_the_signature_with_its_clock():
    sender = InMemoryWebhookSender(clock=lambda: NOW + 0.9, resolver=RESOLVER)

    await sender.deliver("https://hooks.example.com/in", EVENT, PAYLOAD, SECRET, "dlv-42")

    [delivery] = sender.delivered
    assert delivery.headers[SIGNATURE_HEADER].startswith(f"t={NOW},v1=")
    assert verify(SECRET, delivery.headers[SIGNATURE_HEADER], delivery.body, now=NOW)


# --- in-memory extras ---------------------------------------------------------------------------


async def test_in_memory_sender_raises_scripted_failures_then_delivers():
    sender = InMemoryWebhookSender(resolver=RESOLVER)
    sender.fail_next(WebhookFailed("HTTP 503"))

    with pytest.raises(WebhookFailed):
        await sender.deliver("https://hooks.example.com/in", EVENT, PAYLOAD, SECRET, "dlv-42")
    await sender.deliver("https://hooks.example.com/in", EVENT, PAYLOAD, SECRET, "dlv-42")

    assert [delivery.delivery_id for delivery in sender.delivered] == ["dlv-42"]


def test_webhook_errors_share_the_connector_root_and_say_whether_to_retry():
    assert issubclass(WebhookError, ConnectorError)
    assert (WebhookFailed("x").retryable, WebhookGone("x").retryable, WebhookRefused("x").retryable) == (
        True, False, False,
    )  # fmt: skip

"""Hostile XML is refused before anything is expanded or fetched."""

import http.server
import re
import threading
import time
from collections.abc import Iterator

import pytest

from jobs.reception import Received, Refusal, Rejected, receive
from tests.jobs.reception.material import UBL_EXAMPLES, needs_material

INVOICE_OPEN = (
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
)
LAUGHS = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
BILLION_LAUGHS = (
    f'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY lol0 "lol">{LAUGHS}]>'.encode()
    + INVOICE_OPEN
    + b"<cbc:Note>&lol9;</cbc:Note></Invoice>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    + INVOICE_OPEN
    + b"<cbc:Note>&secret;</cbc:Note></Invoice>"
)
PARAMETER_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>'
    + INVOICE_OPEN
    + b"</Invoice>"
)


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server recording every request, to prove nothing is fetched."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server hook name
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY x "fetched">')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()
    thread.join()


@pytest.mark.parametrize(
    "document",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY],
    ids=["billion-laughs", "external-entity", "parameter-entity"],
)
def test_doctype_with_entities_is_refused_quickly_without_expansion(document: bytes) -> None:
    started = time.perf_counter()
    outcome = receive(document, "application/xml")

    assert isinstance(outcome, Rejected) and outcome.reason is Refusal.HOSTILE
    assert "DOCTYPE" in outcome.message and "lollol" not in repr(outcome) and "root:" not in repr(outcome)
    assert time.perf_counter() - started < 1.0


def test_external_dtd_is_refused_and_never_fetched(listener: tuple[str, list[str]]) -> None:
    url, requests = listener
    document = (
        f'<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "{url}/invoice.dtd">'.encode() + INVOICE_OPEN + b"</Invoice>"
    )

    outcome = receive(document, "application/xml")

    assert isinstance(outcome, Rejected) and outcome.reason is Refusal.HOSTILE
    assert requests == []


@needs_material
def test_schema_location_is_never_fetched_and_the_invoice_is_received(listener: tuple[str, list[str]]) -> None:
    url, requests = listener
    content = (UBL_EXAMPLES / "ubl-tc434-example1.xml").read_bytes()
    # The example already names the OASIS XSD; point it at the local listener instead.
    located = re.sub(
        rb'schemaLocation="([^" ]+) [^"]+"', f'schemaLocation="\\1 {url}/evil.xsd"'.encode(), content, count=1
    )
    assert located != content and f"{url}/evil.xsd".encode() in located

    outcome = receive(located, "application/xml")

    assert isinstance(outcome, Received)
    assert requests == []


@pytest.mark.parametrize(
    "document",
    [b"<Invoice><unclosed></Invoice>", INVOICE_OPEN + b"<cbc:ID>1</cbc:ID>", b"<\x00\xff"],
    ids=["mismatched-tags", "truncated", "binary"],
)
def test_xml_that_is_not_well_formed_is_rejected_with_its_line(document: bytes) -> None:
    outcome = receive(document, "application/xml")

    assert isinstance(outcome, Rejected) and outcome.reason is Refusal.UNREADABLE
    assert "not well-formed XML" in outcome.message
    assert outcome.problems[0].location.startswith("line ")

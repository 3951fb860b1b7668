"""The Platform seam: HttpPlatform against a local AFNOR XP Z12-013 platform whose every request
and answer is checked against the official OpenAPI file, DirectoryDrop on a real folder,
InMemoryPlatform, held to the same behaviour where they share it."""

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from jobs.connectors import ConnectorError, InsecureTransport
from jobs.connectors.platforms import (
    DirectoryDrop,
    FlowKind,
    HttpPlatform,
    InMemoryPlatform,
    Platform,
    PlatformError,
    PlatformRejected,
    PlatformUnavailable,
    platform_from_config,
    tracking_id,
)
from tests.jobs.connectors.afnor_stub import API_KEY, PREFIX, AfnorPlatform

FakePlatformApi = AfnorPlatform  # the name other tests import
UBL = b"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>
"""
CDAR = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossDomainAcknowledgementAndResponse
  xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"/>
"""


@pytest.fixture
def fake_api(serve) -> tuple[AfnorPlatform, str]:
    """The stub platform and its server URL; any OpenAPI violation fails the test at teardown."""
    api = AfnorPlatform()
    yield api, serve(api.app()) + PREFIX
    assert api.violations == []


def http_platform(base_url: str, api_key: str = API_KEY, timeout: float = 5.0) -> HttpPlatform:
    return HttpPlatform(base_url, api_key, timeout, allow_http_hosts={"127.0.0.1"})


@dataclass
class PlatformUnderTest:
    platform: Platform
    stored: Callable[[], list[bytes]]  # every file the platform holds, one per flow we submitted
    deliver: Callable[[bytes, FlowKind, str], None]  # a flow arrives for the organisation


def build(kind: str, request: pytest.FixtureRequest, folder: Path) -> PlatformUnderTest:
    if kind == "http":
        api, base_url = request.getfixturevalue("fake_api")
        flow_types = {FlowKind.INVOICE: "SupplierInvoice", FlowKind.STATUS: "CustomerInvoiceLC"}
        return PlatformUnderTest(
            http_platform(base_url),
            lambda: [api.files[i] for i, flow in api.flows.items() if flow["flowDirection"] == "Out"],
            lambda content, kind, syntax: api.deliver(content, syntax=syntax, flow_type=flow_types[kind]),
        )
    if kind == "memory":
        memory = InMemoryPlatform()
        return PlatformUnderTest(memory, lambda: [content for _, content in memory.files.values()],
                                 lambda content, kind, syntax: memory.deliver(content, kind, syntax))
    (folder / "out").mkdir()
    (folder / "in").mkdir()
    names = iter(range(1, 1000))

    def drop_in(content: bytes, kind: FlowKind, syntax: str) -> None:
        (folder / "in" / f"{next(names):06d}-received.xml").write_bytes(content)

    return PlatformUnderTest(DirectoryDrop(folder / "out", folder / "in"),
                             lambda: [path.read_bytes() for path in sorted((folder / "out").iterdir())], drop_in)


@pytest.fixture(params=["http", "memory", "directory"])
def under_test(request, tmp_path) -> PlatformUnderTest:
    """Every Platform."""
    return build(request.param, request, tmp_path)


# --- the same behaviour from every platform -----------------------------------------------------


async def test_submitted_flow_gets_an_id_that_status_finds(under_test):
    submission = await under_test.platform.submit("FA-2026-00007.xml", UBL, "doc-7:validate:send_to_platform")

    assert submission.flow_id
    assert submission.status
    assert (await under_test.platform.status(submission.flow_id)).flow_id == submission.flow_id
    assert under_test.stored() == [UBL]


async def test_resubmitting_with_the_same_key_returns_the_first_flow_and_creates_no_second(under_test):
    first = await under_test.platform.submit("FA-2026-00007.xml", UBL, "doc-7:validate:send_to_platform")
    again = await under_test.platform.submit("FA-2026-00007.xml", UBL, "doc-7:validate:send_to_platform")

    assert again.flow_id == first.flow_id
    assert len(under_test.stored()) == 1


async def test_different_keys_create_different_flows(under_test):
    first = await under_test.platform.submit("FA-2026-00007.xml", UBL, "doc-7:validate:send_to_platform")
    second = await under_test.platform.submit("FA-2026-00008.xml", UBL, "doc-8:validate:send_to_platform")

    assert first.flow_id != second.flow_id
    assert len(under_test.stored()) == 2


async def test_received_flows_come_once_each_in_order_with_their_kind_and_bytes(under_test):
    under_test.deliver(UBL, FlowKind.INVOICE, "UBL")
    under_test.deliver(CDAR, FlowKind.STATUS, "CDAR")
    await under_test.platform.submit("FA-2026-00007.xml", UBL, "doc-7")  # ours: not a received flow

    first = await under_test.platform.received(None)
    under_test.deliver(CDAR, FlowKind.STATUS, "CDAR")
    second = await under_test.platform.received(first.cursor)
    third = await under_test.platform.received(second.cursor)

    assert [(flow.kind, flow.syntax) for flow in first.flows] == [(FlowKind.INVOICE, "UBL"), (FlowKind.STATUS, "CDAR")]
    assert [await under_test.platform.download(flow.flow_id) for flow in first.flows] == [UBL, CDAR]
    assert [flow.kind for flow in second.flows] == [FlowKind.STATUS]
    assert third.flows == ()


async def test_downloading_a_flow_that_was_never_received_is_rejected(under_test):
    with pytest.raises(PlatformRejected):
        await under_test.platform.download("IN-999999")


async def test_in_memory_status_polling_follows_the_platforms_lifecycle():
    memory = InMemoryPlatform()
    submission = await memory.submit("FA-2026-00007.xml", UBL, "doc-7:validate:send_to_platform")

    memory.set_status(submission.flow_id, "Encaissee")

    polled = await memory.status(submission.flow_id)
    assert (polled.flow_id, polled.status, polled.lifecycle) == (submission.flow_id, "Encaissee", True)


async def test_in_memory_status_of_an_unknown_flow_is_rejected():
    with pytest.raises(PlatformRejected):
        await InMemoryPlatform().status("FL-999999")


# --- AFNOR Flow Service on the wire -------------------------------------------------------------


async def test_flow_is_posted_as_multipart_with_flow_info_naming_syntax_profile_tracking_id_and_sha256(fake_api):
    api, base_url = fake_api

    submission = await http_platform(base_url + "/").submit("FA-2026-00007.xml", UBL, "doc-7:validate:send")

    [received] = api.received
    assert received["flow_info"] == {
        "trackingId": "doc-7:validate:send", "name": "FA-2026-00007.xml", "flowSyntax": "UBL",
        "flowProfile": "CIUS", "processingRule": "B2B", "sha256": hashlib.sha256(UBL).hexdigest(),
    }
    assert (received["filename"], received["file_type"], received["content"]) == (
        "FA-2026-00007.xml", "application/xml", UBL)
    assert submission.flow_id == "FL-000001"
    assert (submission.status, submission.lifecycle) == ("Pending", False)  # an acknowledgement, not a status


async def test_cdar_status_is_submitted_as_a_cdar_flow_without_profile(fake_api):
    api, base_url = fake_api

    await http_platform(base_url).submit("FA-2026-00007-212.xml", CDAR, "doc-7:paid:send_status", syntax="CDAR")

    info = api.received[0]["flow_info"]
    assert (info["flowSyntax"], "flowProfile" in info) == ("CDAR", False)


async def test_long_idempotency_keys_become_distinct_tracking_ids_within_64_characters(fake_api):
    api, base_url = fake_api
    keys = ["organisation-1:" + "x" * 80 + ":a", "organisation-1:" + "x" * 80 + ":b"]

    flows = [await http_platform(base_url).submit("FA.xml", UBL, key) for key in keys]

    tracking = [received["flow_info"]["trackingId"] for received in api.received]
    assert tracking == [tracking_id(key) for key in keys] and len(set(tracking)) == 2
    assert all(len(item) <= 64 for item in tracking)
    assert flows[0].flow_id != flows[1].flow_id


async def test_status_reads_the_acknowledgement_and_never_calls_it_a_lifecycle_status(fake_api):
    api, base_url = fake_api
    platform = http_platform(base_url)
    submission = await platform.submit("FA-2026-00007.xml", UBL, "doc-7")
    # Not an enum value: the file's ReasonCode is oneOf(enum, any string), which an enum value
    # matches twice, so the OpenAPI file itself only admits codes outside its enum.
    details = [{"level": "Error", "item": "file", "reasonCode": "BR-FR-XSD", "reasonMessage": "not UBL"}]
    api.acknowledge(submission.flow_id, "Error", details)

    polled = await platform.status(submission.flow_id)

    assert (polled.status, polled.lifecycle) == ("Error", False)
    assert polled.raw["acknowledgement"]["details"] == details


async def test_search_pages_follow_the_next_cursor_then_the_newest_update(fake_api):
    api, base_url = fake_api
    api.page_size = 2
    delivered = [api.deliver(CDAR, syntax="CDAR", flow_type="CustomerInvoiceLC") for _ in range(3)]
    platform = http_platform(base_url)

    first = await platform.received(None)
    second = await platform.received(first.cursor)
    api.deliver(UBL, syntax="UBL", flow_type="SupplierInvoice")
    third = await platform.received(second.cursor)

    assert [f.flow_id for f in first.flows + second.flows] == delivered
    assert (first.more, second.more) == (True, False)
    assert [(f.kind, f.syntax) for f in third.flows] == [(FlowKind.INVOICE, "UBL")]


async def test_rejected_flow_raises_platform_rejected_carrying_the_platforms_error_text(fake_api):
    _, base_url = fake_api

    with pytest.raises(PlatformRejected) as raised:
        await http_platform(base_url).submit("rejected.xml", UBL, "doc-9")

    message = str(raised.value)
    assert "HTTP 422" in message and "UNPROCESSABLE_ENTITY; BR-FR-10 The buyer SIREN 000000000" in message
    assert raised.value.retryable is False


async def test_wrong_api_key_is_rejected_and_says_to_check_the_api_key(fake_api):
    _, base_url = fake_api

    expected = r"HTTP 401; check the API key\): INVALID_TOKEN; The API key is not valid$"
    with pytest.raises(PlatformRejected, match=expected):
        await http_platform(base_url, api_key="expired").submit("FA-2026-00007.xml", UBL, "doc-7")


@pytest.mark.parametrize("filename, status", [("busy.xml", 503), ("broken.xml", 500), ("throttled.xml", 429)])
async def test_overloaded_platform_is_unavailable_and_retryable(fake_api, filename, status):
    _, base_url = fake_api

    with pytest.raises(PlatformUnavailable, match=f"HTTP {status}") as raised:
        await http_platform(base_url).submit(filename, UBL, "doc-7")

    assert raised.value.retryable is True


async def test_platform_down_while_listing_received_flows_is_unavailable(fake_api):
    api, base_url = fake_api
    api.down = True

    with pytest.raises(PlatformUnavailable, match="listing the flows received .* HTTP 503: RESOURCE_ERROR"):
        await http_platform(base_url).received(None)


async def test_platform_that_does_not_answer_in_time_is_unavailable(fake_api):
    _, base_url = fake_api

    with pytest.raises(PlatformUnavailable, match=r"no answer within 0.2 s"):
        await http_platform(base_url, timeout=0.2).submit("slow.xml", UBL, "doc-7")


async def test_unreachable_platform_is_unavailable(closed_port):
    with pytest.raises(PlatformUnavailable, match="could not reach the platform"):
        await http_platform(f"http://127.0.0.1:{closed_port}/api").submit("FA-2026-00007.xml", UBL, "doc-7")


async def test_success_without_json_is_unavailable_and_points_at_the_url(fake_api):
    _, base_url = fake_api

    with pytest.raises(PlatformUnavailable, match="without a JSON object .* check that the URL"):
        await http_platform(base_url).submit("garbled.xml", UBL, "doc-7")


async def test_unknown_flow_status_names_the_flow_and_the_platforms_text(fake_api):
    _, base_url = fake_api

    expected = r"flow 'FL-404'.*HTTP 404; check the platform URL and the flow id\): MISSING_RESOURCE; no flow FL-404"
    with pytest.raises(PlatformRejected, match=expected):
        await http_platform(base_url).status("FL-404")


def test_plain_http_to_a_remote_platform_is_refused_since_it_would_leak_the_api_key():
    with pytest.raises(InsecureTransport, match="plain http"):
        HttpPlatform("http://pa.example.com/api", API_KEY)


def test_api_key_is_kept_out_of_the_platforms_repr():
    assert API_KEY not in repr(HttpPlatform("https://pa.example.com/api", API_KEY))


async def test_the_stub_refuses_and_lists_a_submission_the_openapi_file_does_not_allow():
    api = AfnorPlatform()
    info = json.dumps({"name": "FA.xml", "flowSyntax": "PDF"}).encode()  # not a FlowSyntax
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app()), base_url="http://127.0.0.1") as client:
        answer = await client.post(PREFIX + "/v1/flows", headers={"Authorization": f"Bearer {API_KEY}"},
                                   files={"flowInfo": (None, info, "application/json"), "file": ("FA.xml", UBL)})

    assert answer.status_code == 400 and "'PDF' is not one of" in answer.json()["errorMessage"]
    assert len(api.violations) == 1 and api.flows == {}


# --- directory drop -----------------------------------------------------------------------------


async def test_drop_writes_the_file_under_a_temporary_name_fsyncs_it_then_renames_it(tmp_path, monkeypatch):
    real_replace, seen = os.replace, []

    def watching_replace(source, target):
        seen.append((Path(source).name, Path(source).read_bytes(), Path(target).exists()))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", watching_replace)

    submission = await DirectoryDrop(tmp_path).submit("FA-2026-00007.xml", UBL, "doc-7")

    [(temporary, content_before_rename, target_existed)] = seen
    assert temporary.startswith(".doc-7.xml.") and temporary.endswith(".tmp")
    assert (content_before_rename, target_existed) == (UBL, False)
    assert submission.flow_id == "doc-7.xml"
    assert [path.name for path in tmp_path.iterdir()] == ["doc-7.xml"]


async def test_drop_interrupted_before_the_rename_leaves_no_file_for_the_platform(tmp_path, monkeypatch):
    def crash(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)

    with pytest.raises(PlatformUnavailable, match="No space left on device"):
        await DirectoryDrop(tmp_path).submit("FA-2026-00007.xml", UBL, "doc-7")

    assert list(tmp_path.iterdir()) == []


async def test_drop_resubmission_keeps_the_first_file(tmp_path):
    drop = DirectoryDrop(tmp_path)
    first = await drop.submit("FA-2026-00007.xml", UBL, "doc-7")

    again = await drop.submit("FA-2026-00007.xml", UBL + b"<!-- regenerated -->", "doc-7")

    assert again.flow_id == first.flow_id
    assert (tmp_path / first.flow_id).read_bytes() == UBL


async def test_drop_names_unsafe_keys_inside_the_folder_and_never_merges_two_keys(tmp_path):
    drop = DirectoryDrop(tmp_path / "outbox")
    (tmp_path / "outbox").mkdir()

    one = await drop.submit("a.xml", UBL, "../../etc/passwd")
    two = await drop.submit("b.xml", UBL, "..//etc/passwd")
    three = await drop.submit("c.xml", UBL, "org 1/doc 7")

    names = sorted(path.name for path in (tmp_path / "outbox").iterdir())
    assert names == sorted([one.flow_id, two.flow_id, three.flow_id])
    assert len(set(names)) == 3
    assert all("/" not in name and not name.startswith(".") for name in names)
    assert three.flow_id.startswith("org_1_doc_7-")


async def test_drop_status_turns_collected_once_the_platform_takes_the_file(tmp_path):
    drop = DirectoryDrop(tmp_path)
    submission = await drop.submit("FA-2026-00007.xml", UBL, "doc-7")
    assert (await drop.status(submission.flow_id)).status == "deposited"

    (tmp_path / submission.flow_id).unlink()

    assert (await drop.status(submission.flow_id)).status == "collected"


async def test_drop_status_refuses_a_flow_id_that_is_not_a_file_name(tmp_path):
    with pytest.raises(PlatformRejected, match="not a flow id"):
        await DirectoryDrop(tmp_path).status("../secrets.xml")


async def test_drop_into_a_missing_folder_is_unavailable_and_names_the_folder(tmp_path):
    with pytest.raises(PlatformUnavailable, match=r"drop folder .*missing.* does not exist or is not mounted"):
        await DirectoryDrop(tmp_path / "missing").submit("FA-2026-00007.xml", UBL, "doc-7")


# --- configuration and in-memory extras ---------------------------------------------------------


def test_config_builds_the_platform_of_its_kind(tmp_path):
    http = platform_from_config({"kind": "http", "url": "https://pa.example.com/api", "api_key": "k", "timeout": 5})
    drop = platform_from_config({"kind": "directory", "path": str(tmp_path), "inbox": str(tmp_path / "in")})

    assert isinstance(http, HttpPlatform) and (http.base_url, http.timeout) == ("https://pa.example.com/api", 5.0)
    assert isinstance(drop, DirectoryDrop) and (drop.path, drop.inbox) == (tmp_path, tmp_path / "in")


@pytest.mark.parametrize(
    "config, complaint",
    [
        ({"kind": "http", "url": "https://pa.example.com"}, "kind 'http' is missing 'api_key'"),
        ({"kind": "http", "api_key": "k"}, "kind 'http' is missing 'url'"),
        ({"kind": "directory"}, "kind 'directory' is missing 'path'"),
        ({"url": "https://pa.example.com"}, "needs 'kind' set to one of 'http', 'directory'; got None"),
        ({"kind": "ftp"}, "got 'ftp'"),
        ({"kind": "http", "url": "https://pa.example.com", "api_key": "k", "timeout": "soon"}, "'timeout'"),
    ],
)
def test_incomplete_config_names_what_is_missing(config, complaint):
    with pytest.raises(ValueError) as raised:
        platform_from_config(config)

    assert complaint in str(raised.value)


async def test_in_memory_platform_raises_scripted_failures_then_accepts():
    platform = InMemoryPlatform()
    platform.fail_next(PlatformUnavailable("maintenance"))

    with pytest.raises(PlatformUnavailable):
        await platform.submit("FA-2026-00007.xml", UBL, "doc-7")
    submission = await platform.submit("FA-2026-00007.xml", UBL, "doc-7")

    assert submission.status == "received"


def test_platform_errors_share_the_connector_root_and_say_whether_to_retry():
    assert issubclass(PlatformError, ConnectorError)
    assert PlatformRejected("x").retryable is False
    assert PlatformUnavailable("x").retryable is True

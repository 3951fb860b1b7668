"""The Platform seam: HttpPlatform against a real local platform API, DirectoryDrop on a real folder,
InMemoryPlatform, held to the same behaviour where they share it."""

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from jobs.connectors import ConnectorError, InsecureTransport
from jobs.connectors.platforms import (
    DirectoryDrop,
    HttpPlatform,
    InMemoryPlatform,
    Platform,
    PlatformError,
    PlatformRejected,
    PlatformUnavailable,
    platform_from_config,
)

API_KEY = "pa-test-key"
UBL = b"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>
"""


@dataclass
class FakePlatformApi:
    """A platform's flows API, with the answers real platforms give; the file name picks a misbehaviour."""

    flows: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/v1/flows", self.submit, methods=["POST"]),
                Route("/api/v1/flows/{flow_id}", self.status, methods=["GET"]),
            ]
        )

    def refused_key(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return JSONResponse({"error": "invalid_token", "message": "The API key is not valid"}, status_code=401)
        return None

    async def submit(self, request: Request) -> Response:
        if refused := self.refused_key(request):
            return refused
        form = await request.form()
        upload = form["file"]
        content = await upload.read()
        self.received.append(
            {
                "idempotency_key": request.headers.get("idempotency-key"),
                "content_type": request.headers["content-type"].split(";")[0],
                "filename": upload.filename,
                "file_type": upload.content_type,
                "content": content,
                "fields": {name: value for name, value in form.items() if name != "file"},
            }
        )
        if upload.filename in MISBEHAVIOURS:
            return MISBEHAVIOURS[upload.filename]
        if upload.filename == "slow.xml":
            await asyncio.sleep(1.0)
        key = request.headers["idempotency-key"]
        if key in self.by_key:
            return JSONResponse(self.flows[self.by_key[key]], status_code=200)
        flow_id = f"FL-{len(self.flows) + 1:06d}"
        self.by_key[key] = flow_id
        self.flows[flow_id] = {"flowId": flow_id, "status": "Deposee", "filename": upload.filename}
        self.files[flow_id] = content
        return JSONResponse(self.flows[flow_id], status_code=201)

    async def status(self, request: Request) -> Response:
        if refused := self.refused_key(request):
            return refused
        flow = self.flows.get(request.path_params["flow_id"])
        if flow is None:
            return JSONResponse({"title": "Not Found", "detail": "No such flow"}, status_code=404)
        return JSONResponse(flow)


REJECTION = [{"code": "BR-FR-10", "message": "The buyer SIREN 000000000 is not in the directory", "path": "/Invoice"}]
MISBEHAVIOURS: dict[str, Response] = {
    "rejected.xml": JSONResponse({"message": "Flow rejected", "errors": REJECTION}, status_code=422),
    "busy.xml": PlainTextResponse("Service Unavailable", status_code=503),
    "throttled.xml": JSONResponse({"error": "rate limit exceeded"}, status_code=429),
    "timeout.xml": JSONResponse({"error": "request timeout"}, status_code=408),
    "garbled.xml": PlainTextResponse("<html>maintenance</html>", status_code=201),
}


@pytest.fixture
def fake_api(serve) -> tuple[FakePlatformApi, str]:
    api = FakePlatformApi()
    return api, serve(api.app()) + "/api/v1"


def http_platform(base_url: str, api_key: str = API_KEY, timeout: float = 5.0) -> HttpPlatform:
    return HttpPlatform(base_url, api_key, timeout, allow_http_hosts={"127.0.0.1"})


@dataclass
class PlatformUnderTest:
    platform: Platform
    stored: Callable[[], list[bytes]]  # every file the platform holds, one per flow
    advance: Callable[[str, str], None] | None = None  # move a flow to a new status, as the platform would


def build(kind: str, request: pytest.FixtureRequest, folder: Path) -> PlatformUnderTest:
    if kind == "http":
        api, base_url = request.getfixturevalue("fake_api")
        return PlatformUnderTest(
            http_platform(base_url),
            lambda: list(api.files.values()),
            lambda flow_id, status: api.flows[flow_id].update(status=status),
        )
    if kind == "memory":
        memory = InMemoryPlatform()
        return PlatformUnderTest(memory, lambda: [content for _, content in memory.files.values()], memory.set_status)
    return PlatformUnderTest(DirectoryDrop(folder), lambda: [path.read_bytes() for path in sorted(folder.iterdir())])


@pytest.fixture(params=["http", "memory", "directory"])
def under_test(request, tmp_path) -> PlatformUnderTest:
    """Every Platform."""
    return build(request.param, request, tmp_path)


@pytest.fixture(params=["http", "memory"])
def with_lifecycle(request, tmp_path) -> PlatformUnderTest:
    """Platforms that track a flow after receiving it (a drop folder only sees the file come and go)."""
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


async def test_status_polling_follows_the_platforms_lifecycle(with_lifecycle):
    submission = await with_lifecycle.platform.submit("FA-2026-00007.xml", UBL, "doc-7:validate:send_to_platform")

    with_lifecycle.advance(submission.flow_id, "Encaissee")

    polled = await with_lifecycle.platform.status(submission.flow_id)
    assert (polled.flow_id, polled.status) == (submission.flow_id, "Encaissee")
    assert polled.raw["status"] == "Encaissee"


async def test_status_of_an_unknown_flow_is_rejected(with_lifecycle):
    with pytest.raises(PlatformRejected):
        await with_lifecycle.platform.status("FL-999999")


# --- REST API on the wire -----------------------------------------------------------------------


async def test_flow_is_posted_as_multipart_ubl_with_bearer_key_and_idempotency_key(fake_api):
    api, base_url = fake_api

    submission = await http_platform(base_url + "/").submit("FA-2026-00007.xml", UBL, "doc-7:validate:send")

    [received] = api.received
    assert received["content_type"] == "multipart/form-data"
    assert received["idempotency_key"] == "doc-7:validate:send"
    assert (received["filename"], received["file_type"], received["content"]) == (
        "FA-2026-00007.xml", "application/xml", UBL,
    )  # fmt: skip
    assert received["fields"] == {"flowSyntax": "UBL", "processingRule": "B2B"}
    assert submission.flow_id == "FL-000001"
    assert submission.raw == {"flowId": "FL-000001", "status": "Deposee", "filename": "FA-2026-00007.xml"}


async def test_rejected_flow_raises_platform_rejected_carrying_the_platforms_error_text(fake_api):
    _, base_url = fake_api

    with pytest.raises(PlatformRejected) as raised:
        await http_platform(base_url).submit("rejected.xml", UBL, "doc-9")

    message = str(raised.value)
    assert "HTTP 422" in message
    assert "Flow rejected; BR-FR-10 The buyer SIREN 000000000 is not in the directory /Invoice" in message
    assert raised.value.retryable is False


async def test_wrong_api_key_is_rejected_and_says_to_check_the_api_key(fake_api):
    _, base_url = fake_api

    expected = r"HTTP 401; check the API key\): invalid_token; The API key is not valid$"
    with pytest.raises(PlatformRejected, match=expected):
        await http_platform(base_url, api_key="expired").submit("FA-2026-00007.xml", UBL, "doc-7")


@pytest.mark.parametrize("filename, status", [("busy.xml", 503), ("throttled.xml", 429), ("timeout.xml", 408)])
async def test_overloaded_platform_is_unavailable_and_retryable(fake_api, filename, status):
    _, base_url = fake_api

    with pytest.raises(PlatformUnavailable, match=f"HTTP {status}") as raised:
        await http_platform(base_url).submit(filename, UBL, "doc-7")

    assert raised.value.retryable is True


async def test_platform_that_does_not_answer_in_time_is_unavailable(fake_api):
    _, base_url = fake_api

    with pytest.raises(PlatformUnavailable, match=r"no answer within 0.2 s"):
        await http_platform(base_url, timeout=0.2).submit("slow.xml", UBL, "doc-7")


async def test_unreachable_platform_is_unavailable(closed_port):
    with pytest.raises(PlatformUnavailable, match="could not reach the platform"):
        await http_platform(f"http://127.0.0.1:{closed_port}/api").submit("FA-2026-00007.xml", UBL, "doc-7")


async def test_success_without_a_flow_id_is_unavailable_and_points_at_the_url(fake_api):
    _, base_url = fake_api

    with pytest.raises(PlatformUnavailable, match="without a JSON flowId and status .* check that the URL"):
        await http_platform(base_url).submit("garbled.xml", UBL, "doc-7")


async def test_unknown_flow_status_names_the_flow_and_the_platforms_text(fake_api):
    _, base_url = fake_api

    expected = r"flow 'FL-404'.*HTTP 404; check the platform URL and the flow id\): Not Found; No such flow"
    with pytest.raises(PlatformRejected, match=expected):
        await http_platform(base_url).status("FL-404")


def test_plain_http_to_a_remote_platform_is_refused_since_it_would_leak_the_api_key():
    with pytest.raises(InsecureTransport, match="plain http"):
        HttpPlatform("http://pa.example.com/api", API_KEY)


def test_api_key_is_kept_out_of_the_platforms_repr():
    assert API_KEY not in repr(HttpPlatform("https://pa.example.com/api", API_KEY))


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
    drop = platform_from_config({"kind": "directory", "path": str(tmp_path)})

    assert isinstance(http, HttpPlatform) and (http.base_url, http.timeout) == ("https://pa.example.com/api", 5.0)
    assert isinstance(drop, DirectoryDrop) and drop.path == tmp_path


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

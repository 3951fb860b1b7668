"""E-invoicing platforms (French 2026 reform: approved platforms, "PA", formerly PDP).

The `Platform` seam submits a flow (a UBL invoice, a CDAR status) and returns the platform's
flow id and status, and lists the flows the organisation received (supplier invoices, CDAR
statuses about our invoices) since a cursor, whose bytes `download` fetches when the caller
wants them. Two real implementations: `HttpPlatform` for the AFNOR XP Z12-013 Flow Service
1.3.0 API, `DirectoryDrop` for platforms that collect files from a folder and drop received ones
in another; `InMemoryPlatform` for tests. Resubmitting with the same idempotency key returns the
flow of the first submission instead of creating a second one.

Statuses versus acknowledgements: the AFNOR API answers a flow's *acknowledgement* (Pending, Ok,
Error: did the platform take the file), never its lifecycle status; lifecycle statuses arrive as
CDAR flows of their own. A `Submission` says which it carries (`lifecycle`), so only lifecycle
statuses move an invoice. Received flows are found by polling `POST /v1/flows/search`; the
API's webhooks (`/v1/webhooks`) are not used yet.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import os
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from jobs.connectors import ConnectorError, check_transport


class PlatformError(ConnectorError):
    """Raised when a flow could not be submitted to, or looked up on, an e-invoicing platform."""


class PlatformRejected(PlatformError):
    """Raised when the platform refused the request (4xx): the file, the key or the URL must change first."""

    retryable = False


class PlatformUnavailable(PlatformError):
    """Raised when the platform could not answer (5xx, 408, 429, timeout, network): try again later."""

    retryable = True


@dataclass(frozen=True)
class Submission:
    """A flow as the platform sees it; `raw` is the platform's own answer, kept for the job's record.

    `lifecycle` is False when `status` is only the platform's acknowledgement of the file
    (AFNOR `Pending`/`Ok`/`Error`), which must never move the invoice."""

    flow_id: str
    status: str
    raw: dict[str, Any]
    lifecycle: bool = True


class FlowKind(Enum):
    """What a received flow carries: an invoice from a supplier, a lifecycle status, or something else."""

    INVOICE = "invoice"
    STATUS = "status"
    OTHER = "other"


@dataclass(frozen=True)
class ReceivedFlow:
    """A flow the organisation received; its bytes come from `Platform.download(flow_id)`."""

    flow_id: str
    kind: FlowKind
    syntax: str
    name: str
    updated_at: str = ""


@dataclass(frozen=True)
class Received:
    """One page of received flows; pass `cursor` to the next call, which then lists only newer
    ones; `more` is True when the platform holds further flows right now."""

    flows: tuple[ReceivedFlow, ...]
    cursor: str | None
    more: bool = False


MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


class Platform(Protocol):
    async def submit(self, filename: str, content: bytes, idempotency_key: str, *, syntax: str = "UBL") -> Submission:
        """Hand a flow (UBL invoice, CDAR status) to the platform; the same key never creates a second flow."""
        ...

    async def status(self, flow_id: str) -> Submission:
        """The platform's current status (or acknowledgement) for a flow returned by `submit`."""
        ...

    async def received(self, cursor: str | None) -> Received:
        """Flows received by the organisation after `cursor` (None: from the start), oldest first."""
        ...

    async def download(self, flow_id: str) -> bytes:
        """The original file of a received flow (at most `MAX_DOWNLOAD_BYTES`)."""
        ...


# --- REST API -----------------------------------------------------------------------------------

RETRYABLE_STATUSES = frozenset({408, 425, 429})


PROFILES = {"UBL": "CIUS", "CII": "CIUS", "Factur-X": "CIUS"}  # CDAR flows carry no profile
STATUS_FLOW_TYPES = frozenset({"CustomerInvoiceLC", "SupplierInvoiceLC", "StateCustomerInvoiceLC",
                               "StateSupplierInvoiceLC"})
TRACKING_ID_LENGTH = 64  # NotOnlyUuid maxLength


def tracking_id(idempotency_key: str) -> str:
    """Our idempotency key as the flow's `trackingId` (at most 64 characters: long keys are hashed)."""
    if len(idempotency_key) <= TRACKING_ID_LENGTH:
        return idempotency_key
    return f"{idempotency_key[:31]}-{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}"


def flow_kind(flow: Mapping[str, Any]) -> FlowKind:
    if flow.get("flowSyntax") == "CDAR" or flow.get("flowType") in STATUS_FLOW_TYPES:
        return FlowKind.STATUS
    if flow.get("flowType") == "SupplierInvoice" or flow.get("flowSyntax") in PROFILES:
        return FlowKind.INVOICE
    return FlowKind.OTHER


class HttpPlatform:
    """A platform's AFNOR XP Z12-013 Flow Service API (1.3.0), `base_url` being its server URL
    (`https://api.flow.example.com/flow-service`, before `/v1`).

    Idempotency: the key becomes the flow's `trackingId`; `submit` first searches for a flow
    with that tracking id, so a retried submission finds the first one (the API has no
    idempotency header; ours is sent too, for platforms that honour it)."""

    def __init__(
        self, base_url: str, api_key: str, timeout: float = 30.0, *, allow_http_hosts: Iterable[str] = (),
        organization_id: str | None = None, processing_rule: str = "B2B", page_size: int = 50,
    ) -> None:
        check_transport(base_url, allow_http_hosts, "the platform URL")
        if not api_key:
            raise ValueError(f"the platform at {base_url} needs an API key (config key 'api_key')")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.timeout = timeout
        self.organization_id = organization_id
        self.processing_rule = processing_rule
        self.page_size = page_size

    def __repr__(self) -> str:
        return f"HttpPlatform({self.base_url!r})"

    async def submit(self, filename: str, content: bytes, idempotency_key: str, *, syntax: str = "UBL") -> Submission:
        what = f"submitting {filename!r} to {self.base_url}"
        tracking = tracking_id(idempotency_key)
        earlier = await self._search({"trackingId": tracking}, None, what, limit=1)
        if earlier.get("results"):
            first = earlier["results"][0]
            return self._acknowledgement(first, what, str(first.get("flowId") or ""))
        info = {"trackingId": tracking, "name": filename[:255], "flowSyntax": syntax,
                "processingRule": self.processing_rule, "sha256": hashlib.sha256(content).hexdigest()}
        if syntax in PROFILES:
            info["flowProfile"] = PROFILES[syntax]
        response = await self._request(
            "POST", "/v1/flows", what, headers={"Idempotency-Key": idempotency_key},
            files={"flowInfo": (None, json.dumps(info).encode(), "application/json"),
                   "file": (filename, content, "application/pdf" if syntax == "Factur-X" else "application/xml")},
        )
        answer = self._json(response, what)
        if not answer.get("flowId"):
            raise PlatformUnavailable(f"{what}: the platform answered HTTP {response.status_code} without a flowId "
                                      f"({response.text[:200]!r}); check that the URL points at the flow service")
        return Submission(str(answer["flowId"]), "Pending", answer, lifecycle=False)

    async def status(self, flow_id: str) -> Submission:
        what = f"asking {self.base_url} for the status of flow {flow_id!r}"
        response = await self._request("GET", f"/v1/flows/{quote(flow_id, safe='')}", what)
        return self._acknowledgement(self._json(response, what), what, flow_id)

    async def received(self, cursor: str | None) -> Received:
        """Search `flowDirection: In`. Our cursor is the API's `nextCursor` while pages remain
        (`c:` prefix), else the newest `updatedAt` seen (`t:`), sent as `updatedAfter`."""
        what = f"listing the flows received on {self.base_url}"
        where: dict[str, Any] = {"flowDirection": ["In"]}
        api_cursor = None
        if cursor and cursor.startswith("c:"):
            api_cursor = cursor[2:]
        elif cursor and cursor.startswith("t:"):
            where["updatedAfter"] = cursor[2:]
        answer = await self._search(where, api_cursor, what, limit=self.page_size)
        results = answer.get("results") or []
        if not isinstance(results, list):
            raise PlatformUnavailable(f"{what}: 'results' is not a list ({str(results)[:200]!r})")
        flows = []
        for item in results:
            if not isinstance(item, dict) or not item.get("flowId"):
                raise PlatformUnavailable(f"{what}: a result has no flowId ({str(item)[:200]!r})")
            flows.append(ReceivedFlow(str(item["flowId"]), flow_kind(item), str(item.get("flowSyntax", "")),
                                      str(item.get("name", "")), str(item.get("updatedAt", ""))))
        latest = max((flow.updated_at for flow in flows if flow.updated_at), default=None)
        if answer.get("nextCursor"):
            return Received(tuple(flows), "c:" + str(answer["nextCursor"]), more=True)
        if latest is None and cursor and cursor.startswith("t:"):
            latest = cursor[2:]
        return Received(tuple(flows), f"t:{latest}" if latest else cursor if cursor else None)

    async def download(self, flow_id: str) -> bytes:
        what = f"downloading received flow {flow_id!r} from {self.base_url}"
        response = await self._request("GET", f"/v1/flows/{quote(flow_id, safe='')}", what,
                                       params={"docType": "Original"}, accept="application/octet-stream")
        if len(response.content) > MAX_DOWNLOAD_BYTES:
            raise PlatformRejected(
                f"{what}: {len(response.content)} bytes, more than the {MAX_DOWNLOAD_BYTES} accepted")
        return response.content

    async def _search(self, where: dict[str, Any], cursor: str | None, what: str, *, limit: int) -> dict[str, Any]:
        body: dict[str, Any] = {"limit": limit, "where": where}
        if cursor:
            body["cursor"] = cursor
        return self._json(await self._request("POST", "/v1/flows/search", what, json=body), what)

    def _acknowledgement(self, flow: dict[str, Any], what: str, flow_id: str) -> Submission:
        acknowledgement = flow.get("acknowledgement")
        status = acknowledgement.get("status") if isinstance(acknowledgement, dict) else None
        if not isinstance(status, str):
            raise PlatformUnavailable(f"{what}: the platform's flow has no acknowledgement status "
                                      f"({str(flow)[:200]!r}); check that the URL points at the flow service")
        return Submission(str(flow.get("flowId") or flow_id), status, flow, lifecycle=False)

    @staticmethod
    def _json(response: httpx.Response, what: str) -> dict[str, Any]:
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise PlatformUnavailable(
                f"{what}: the platform answered HTTP {response.status_code} without a JSON object "
                f"({response.text[:200]!r}); check that the URL points at the flow service"
            )
        return answer

    async def _request(self, method: str, path: str, what: str, *, accept: str = "application/json",
                       **options: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._api_key}", "Accept": accept, "Request-Id": str(uuid.uuid4())}
        if self.organization_id:
            headers["Organization-Id"] = self.organization_id
        headers.update(options.pop("headers", {}))
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
                response = await client.request(method, self.base_url + path, headers=headers, **options)
        except httpx.TimeoutException as error:
            raise PlatformUnavailable(
                f"{what}: no answer within {self.timeout:g} s ({type(error).__name__})"
            ) from error
        except httpx.TransportError as error:
            raise PlatformUnavailable(
                f"{what}: could not reach the platform ({error or type(error).__name__})"
            ) from error
        if response.is_success:
            return response
        detail = error_text(response)
        if response.status_code >= 500 or response.status_code in RETRYABLE_STATUSES:
            raise PlatformUnavailable(f"{what}: the platform answered HTTP {response.status_code}: {detail}")
        hint = HINTS.get(response.status_code, "")
        raise PlatformRejected(f"{what}: the platform refused it (HTTP {response.status_code}{hint}): {detail}")


HINTS = {
    401: "; check the API key",
    403: "; check the API key and its rights on this platform",
    404: "; check the platform URL and the flow id",
    413: "; the file is larger than the platform accepts",
}


def error_text(response: httpx.Response) -> str:
    """The platform's own explanation: the AFNOR `errorCode`/`errorMessage`/`details`, other APIs'
    `message`/`error`/`detail` fields or an `errors` list, else the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:500] or response.reason_phrase
    if isinstance(body, dict):
        keys = ("errorCode", "errorMessage", "title", "error", "message", "detail", "details")
        parts = [str(body[key]) for key in keys if body.get(key)]
        for item in body.get("errors") or []:
            if isinstance(item, dict):
                parts.append(" ".join(str(item[key]) for key in ("code", "message", "path") if item.get(key)))
            else:
                parts.append(str(item))
        if parts:
            return "; ".join(parts)
    return response.text[:500]


# --- directory drop -----------------------------------------------------------------------------

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")
FLOW_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,170}\.xml")
FLOW_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")


def drop_name(idempotency_key: str) -> str:
    """`<key>.xml` when the key is a safe file name, else a sanitised key plus a hash so two keys never collide."""
    if SAFE_NAME.fullmatch(idempotency_key):
        return f"{idempotency_key}.xml"
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", idempotency_key).strip("._-")[:120] or "flow"
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
    return f"{cleaned}-{digest}.xml"


class DirectoryDrop:
    """Writes each flow as a file in a folder that the platform collects.

    The file appears complete or not at all (temporary name, fsync, rename), under a name derived
    from the idempotency key, so a resubmission finds the first file and keeps it. Status is what
    the folder shows: `deposited` while the file is there, `collected` once it has gone (the
    platform took it, or someone removed it). A resubmission after the platform collected the
    file writes it again: the job system must not resubmit a job it recorded as done.
    """

    def __init__(self, path: str | os.PathLike[str], inbox: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path)
        self.inbox = Path(inbox) if inbox else None

    def __repr__(self) -> str:
        return f"DirectoryDrop({str(self.path)!r})"

    async def submit(self, filename: str, content: bytes, idempotency_key: str, *, syntax: str = "UBL") -> Submission:
        return await asyncio.to_thread(self._write, drop_name(idempotency_key), content)

    async def received(self, cursor: str | None) -> Received:
        """Files the platform dropped in `inbox`, by name after `cursor` (the last name listed);
        the platform is expected to name them in arrival order. Temporary `.` files are skipped."""
        if self.inbox is None:
            return Received((), cursor)
        return await asyncio.to_thread(self._list, cursor)

    async def download(self, flow_id: str) -> bytes:
        if self.inbox is None or not FLOW_NAME.fullmatch(flow_id):
            raise PlatformRejected(f"{flow_id!r} is not a received flow of {self!r}")
        target = self.inbox / flow_id
        try:
            size = await asyncio.to_thread(lambda: target.stat().st_size)
            if size > MAX_DOWNLOAD_BYTES:
                raise PlatformRejected(f"{target}: {size} bytes, more than the {MAX_DOWNLOAD_BYTES} accepted")
            return await asyncio.to_thread(target.read_bytes)
        except FileNotFoundError:
            raise PlatformRejected(
                f"no received flow {flow_id!r} in {self.inbox} (removed since it was listed?)") from None
        except OSError as error:
            raise PlatformUnavailable(f"could not read {target}: {error.strerror or error}") from error

    def _list(self, cursor: str | None) -> Received:
        assert self.inbox is not None
        try:
            names = sorted(entry.name for entry in self.inbox.iterdir() if entry.is_file())
        except FileNotFoundError as error:
            raise PlatformUnavailable(f"the received-flows folder {self.inbox} does not exist or is not mounted; "
                                      "create it or fix the 'inbox' of the platform configuration") from error
        fresh = [name for name in names if FLOW_NAME.fullmatch(name) and (cursor is None or name > cursor)]
        flows = tuple(ReceivedFlow(name, *self._sniff(self.inbox / name), name=name) for name in fresh)
        return Received(flows, fresh[-1] if fresh else cursor)

    @staticmethod
    def _sniff(path: Path) -> tuple[FlowKind, str]:
        """Kind and syntax from the first bytes: enough to route the flow, the reader checks the rest."""
        with open(path, "rb") as handle:
            head = handle.read(4096)
        if head.startswith(b"%PDF"):
            return FlowKind.INVOICE, "Factur-X"
        if b"CrossDomainAcknowledgementAndResponse" in head:
            return FlowKind.STATUS, "CDAR"
        if b"CrossIndustryInvoice" in head:
            return FlowKind.INVOICE, "CII"
        if b"urn:oasis:names:specification:ubl:schema:xsd:" in head:
            return FlowKind.INVOICE, "UBL"
        return FlowKind.OTHER, ""

    async def status(self, flow_id: str) -> Submission:
        target = self._target(flow_id)
        present = await asyncio.to_thread(target.exists)
        return Submission(flow_id, "deposited" if present else "collected", {"path": str(target)})

    def _target(self, flow_id: str) -> Path:
        if not FLOW_FILE.fullmatch(flow_id):
            raise PlatformRejected(f"{flow_id!r} is not a flow id of {self!r} (expected a file name ending in .xml)")
        return self.path / flow_id

    def _write(self, name: str, content: bytes) -> Submission:
        target = self.path / name
        try:
            if target.exists():  # first write wins, as with an HTTP platform's Idempotency-Key
                return Submission(name, "deposited", {"path": str(target), "resubmitted": True})
            temporary = self.path / f".{name}.{uuid.uuid4().hex}.tmp"
            try:
                with open(temporary, "xb") as handle:
                    handle.write(content)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, target)
            finally:
                temporary.unlink(missing_ok=True)
            _fsync_directory(self.path)
        except FileNotFoundError as error:
            raise PlatformUnavailable(
                f"the drop folder {self.path} does not exist or is not mounted ({error.strerror}); "
                "create it or fix the 'path' of the platform configuration"
            ) from error
        except OSError as error:
            raise PlatformUnavailable(f"could not write {target}: {error.strerror or error}") from error
        return Submission(name, "deposited", {"path": str(target)})


def _fsync_directory(path: Path) -> None:
    """Make the rename itself durable, so a crash right after cannot lose the file."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- in memory ----------------------------------------------------------------------------------


@dataclass
class InMemoryPlatform:
    """Keeps flows in memory, keyed by idempotency key; `fail_next` scripts failures, `set_status` moves a flow."""

    flows: dict[str, Submission] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    failures: list[PlatformError] = field(default_factory=list)
    inbox: list[tuple[ReceivedFlow, bytes]] = field(default_factory=list)
    _by_key: dict[str, str] = field(default_factory=dict)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, error: PlatformError) -> None:
        """Make the next call raise `error` (queued: call several times for several failures)."""
        self.failures.append(error)

    def set_status(self, flow_id: str, status: str) -> None:
        """Move a flow along its lifecycle, as the platform would."""
        self.flows[flow_id] = Submission(flow_id, status, {"flowId": flow_id, "status": status})

    def deliver(self, content: bytes, kind: FlowKind, syntax: str, name: str = "") -> ReceivedFlow:
        """A flow arrives for the organisation (a supplier invoice, a CDAR status)."""
        flow = ReceivedFlow(f"in-{len(self.inbox) + 1}", kind, syntax, name or f"in-{len(self.inbox) + 1}")
        self.inbox.append((flow, content))
        return flow

    async def received(self, cursor: str | None) -> Received:
        self._maybe_fail()
        start = int(cursor) if cursor else 0
        return Received(tuple(flow for flow, _ in self.inbox[start:]), str(len(self.inbox)) if self.inbox else cursor)

    async def download(self, flow_id: str) -> bytes:
        self._maybe_fail()
        for flow, content in self.inbox:
            if flow.flow_id == flow_id:
                return content
        raise PlatformRejected(f"the in-memory platform has no received flow {flow_id!r} (HTTP 404)")

    async def submit(self, filename: str, content: bytes, idempotency_key: str, *, syntax: str = "UBL") -> Submission:
        self._maybe_fail()
        if idempotency_key in self._by_key:
            return self.flows[self._by_key[idempotency_key]]
        flow_id = f"flow-{next(self._numbers)}"
        self._by_key[idempotency_key] = flow_id
        self.files[flow_id] = (filename, content)
        self.set_status(flow_id, "received")
        return self.flows[flow_id]

    async def status(self, flow_id: str) -> Submission:
        self._maybe_fail()
        if flow_id not in self.flows:
            raise PlatformRejected(f"the in-memory platform has no flow {flow_id!r} (HTTP 404)")
        return self.flows[flow_id]

    def _maybe_fail(self) -> None:
        if self.failures:
            raise self.failures.pop(0)


# --- configuration ------------------------------------------------------------------------------


def _required(config: Mapping[str, Any], key: str) -> Any:
    if not config.get(key):
        raise ValueError(
            f"the e-invoicing platform configuration of kind {config.get('kind')!r} is missing {key!r} "
            f"(got keys: {', '.join(sorted(config)) or 'none'})"
        )
    return config[key]


def _http(config: Mapping[str, Any]) -> Platform:
    try:
        timeout = float(config.get("timeout", 30.0))
    except (TypeError, ValueError):
        raise ValueError(f"the platform 'timeout' must be a number of seconds, got {config['timeout']!r}") from None
    hosts = config.get("allow_http_hosts", ())
    return HttpPlatform(
        _required(config, "url"),
        _required(config, "api_key"),
        timeout,
        allow_http_hosts=hosts.split(",") if isinstance(hosts, str) else hosts,
        organization_id=config.get("organization_id") or None,
        processing_rule=config.get("processing_rule") or "B2B",
    )


def _directory(config: Mapping[str, Any]) -> Platform:
    return DirectoryDrop(_required(config, "path"), config.get("inbox") or None)


KINDS: dict[str, Callable[[Mapping[str, Any]], Platform]] = {"http": _http, "directory": _directory}


def platform_from_config(config: Mapping[str, Any]) -> Platform:
    """`{"kind": "http", "url": …, "api_key": …, "organization_id"?, "processing_rule"?, "timeout"?}` or
    `{"kind": "directory", "path": …, "inbox"?}` -> a Platform."""
    kind = config.get("kind")
    if kind not in KINDS:
        raise ValueError(
            f"the e-invoicing platform configuration needs 'kind' set to one of {', '.join(map(repr, KINDS))}; "
            f"got {kind!r}"
        )
    return KINDS[kind](config)

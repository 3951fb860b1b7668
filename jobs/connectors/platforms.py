"""E-invoicing platforms (French 2026 reform: approved platforms, "PA", formerly PDP).

The `Platform` seam takes a UBL file and returns the platform's flow id and status. Two real
implementations: `HttpPlatform` for a platform's REST API, `DirectoryDrop` for platforms that
collect files from a folder; `InMemoryPlatform` for tests. Resubmitting with the same
idempotency key returns the flow of the first submission instead of creating a second one
(the HTTP platform is trusted to honour the `Idempotency-Key` header).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
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
    """A flow as the platform sees it; `raw` is the platform's own answer, kept for the job's record."""

    flow_id: str
    status: str
    raw: dict[str, Any]


class Platform(Protocol):
    async def submit(self, filename: str, content: bytes, idempotency_key: str) -> Submission:
        """Hand a UBL invoice to the platform; the same key never creates a second flow."""
        ...

    async def status(self, flow_id: str) -> Submission:
        """The platform's current status for a flow returned by `submit`."""
        ...


# --- REST API -----------------------------------------------------------------------------------

RETRYABLE_STATUSES = frozenset({408, 425, 429})


class HttpPlatform:
    """A platform's REST API: `POST {base}/flows` (multipart) and `GET {base}/flows/{flowId}`."""

    def __init__(
        self, base_url: str, api_key: str, timeout: float = 30.0, *, allow_http_hosts: Iterable[str] = ()
    ) -> None:
        check_transport(base_url, allow_http_hosts, "the platform URL")
        if not api_key:
            raise ValueError(f"the platform at {base_url} needs an API key (config key 'api_key')")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"HttpPlatform({self.base_url!r})"

    async def submit(self, filename: str, content: bytes, idempotency_key: str) -> Submission:
        what = f"submitting {filename!r} to {self.base_url}"
        response = await self._request(
            "POST",
            "/flows",
            what,
            headers={"Idempotency-Key": idempotency_key},
            files={"file": (filename, content, "application/xml")},
            data={"flowSyntax": "UBL", "processingRule": "B2B"},
        )
        return self._submission(response, what)

    async def status(self, flow_id: str) -> Submission:
        what = f"asking {self.base_url} for the status of flow {flow_id!r}"
        response = await self._request("GET", f"/flows/{quote(flow_id, safe='')}", what)
        return self._submission(response, what, flow_id)

    async def _request(self, method: str, path: str, what: str, **options: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"}
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

    @staticmethod
    def _submission(response: httpx.Response, what: str, flow_id: str | None = None) -> Submission:
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not (answer.get("flowId") or flow_id) or "status" not in answer:
            raise PlatformUnavailable(
                f"{what}: the platform answered HTTP {response.status_code} without a JSON flowId and status "
                f"({response.text[:200]!r}); check that the URL points at the flows API"
            )
        return Submission(flow_id=str(answer.get("flowId") or flow_id), status=str(answer["status"]), raw=answer)


HINTS = {
    401: "; check the API key",
    403: "; check the API key and its rights on this platform",
    404: "; check the platform URL and the flow id",
    413: "; the file is larger than the platform accepts",
}


def error_text(response: httpx.Response) -> str:
    """The platform's own explanation: `message`/`error`/`detail` fields or an `errors` list, else the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:500] or response.reason_phrase
    if isinstance(body, dict):
        parts = [str(body[key]) for key in ("title", "error", "message", "detail") if body.get(key)]
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

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"DirectoryDrop({str(self.path)!r})"

    async def submit(self, filename: str, content: bytes, idempotency_key: str) -> Submission:
        return await asyncio.to_thread(self._write, drop_name(idempotency_key), content)

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
    _by_key: dict[str, str] = field(default_factory=dict)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, error: PlatformError) -> None:
        """Make the next call raise `error` (queued: call several times for several failures)."""
        self.failures.append(error)

    def set_status(self, flow_id: str, status: str) -> None:
        """Move a flow along its lifecycle, as the platform would."""
        self.flows[flow_id] = Submission(flow_id, status, {"flowId": flow_id, "status": status})

    async def submit(self, filename: str, content: bytes, idempotency_key: str) -> Submission:
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
    )


def _directory(config: Mapping[str, Any]) -> Platform:
    return DirectoryDrop(_required(config, "path"))


KINDS: dict[str, Callable[[Mapping[str, Any]], Platform]] = {"http": _http, "directory": _directory}


def platform_from_config(config: Mapping[str, Any]) -> Platform:
    """`{"kind": "http", "url": …, "api_key": …}` or `{"kind": "directory", "path": …}` -> a Platform."""
    kind = config.get("kind")
    if kind not in KINDS:
        raise ValueError(
            f"the e-invoicing platform configuration needs 'kind' set to one of {', '.join(map(repr, KINDS))}; "
            f"got {kind!r}"
        )
    return KINDS[kind](config)

"""A local AFNOR XP Z12-013 platform (Flow Service 1.3.0) for tests: a real HTTP app whose every
request and answer is checked against the official OpenAPI file by openapi-core.

Flows we submit are kept with their `flowInfo`; flows the organisation receives are added with
`deliver` (a supplier invoice, a CDAR status) and found by `POST /v1/flows/search`. A request
or answer that breaks the OpenAPI file is listed in `violations` (and the request answered 400),
so a test can assert that our connector spoke the API exactly. The file name of a submission
picks a misbehaviour (`MISBEHAVIOURS`, `slow.xml`): those answers are off-contract on purpose
and are not checked.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

SPEC_FILE = Path(__file__).parent / "afnor" / "XP_Z12-013_Flow_Service-1.3.0.swagger.json"
PREFIX = "/flow-service"  # the server URL's base path and service name
API_KEY = "pa-test-key"
EPOCH = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def _spec() -> OpenAPI:
    spec = json.loads(SPEC_FILE.read_text())
    spec["servers"] = [{"url": PREFIX}]  # the official file names a template; the stub serves here
    return OpenAPI.from_dict(spec)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errorCode": code, "errorMessage": message}, status_code=status)


REJECTION = "BR-FR-10 The buyer SIREN 000000000 is not in the directory"
MISBEHAVIOURS: dict[str, Response] = {
    "rejected.xml": _error(422, "UNPROCESSABLE_ENTITY", REJECTION),
    "busy.xml": PlainTextResponse("Service Unavailable", status_code=503),
    "broken.xml": _error(500, "INTERNAL_ERROR", "database unreachable"),
    "throttled.xml": _error(429, "TOO_MANY_REQUESTS", "rate limit exceeded"),
    "garbled.xml": PlainTextResponse("<html>maintenance</html>", status_code=202),
}


@dataclass
class AfnorPlatform:
    flows: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)  # tracking id -> flow id
    received: list[dict[str, Any]] = field(default_factory=list)  # every submission, as it arrived
    violations: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    down: bool = False  # every request answers 503
    slow_seconds: float = 0.0  # every request waits this long first
    page_size: int | None = None  # cap on search pages (else the request's limit)
    _clock: int = 0
    _openapi: OpenAPI = field(default_factory=_spec)

    def app(self) -> Starlette:
        routes = [
            Route("/v1/flows", self._checked(self.submit), methods=["POST"]),
            Route("/v1/flows/search", self._checked(self.search), methods=["POST"]),
            Route("/v1/flows/{flow_id}", self._checked(self.get), methods=["GET"]),
        ]
        return Starlette(routes=[Mount(PREFIX, routes=routes)])

    # --- the platform's side of the story ---------------------------------------------------------

    def _tick(self) -> str:
        self._clock += 1
        return (EPOCH + timedelta(seconds=self._clock)).isoformat().replace("+00:00", "Z")

    def deliver(self, content: bytes, *, syntax: str, flow_type: str, name: str = "") -> str:
        """A flow arrives for the organisation: a supplier invoice (`SupplierInvoice`), a CDAR
        status about one of our invoices (`CustomerInvoiceLC`)."""
        flow_id = f"IN-{len(self.flows) + 1:06d}"
        now = self._tick()
        self.flows[flow_id] = {
            "flowId": flow_id, "name": name or f"{flow_id}.xml", "flowSyntax": syntax, "flowProfile": "Undefined",
            "processingRule": "B2B", "submittedAt": now, "updatedAt": now, "flowType": flow_type,
            "processingRuleSource": "Input", "flowDirection": "In", "acknowledgement": {"status": "Ok"},
        }
        self.files[flow_id] = content
        return flow_id

    def acknowledge(self, flow_id: str, status: str, details: list[dict[str, str]] | None = None) -> None:
        flow = self.flows[flow_id]
        flow["acknowledgement"] = {"status": status, **({"details": details} if details else {})}
        flow["updatedAt"] = self._tick()

    # --- the API ----------------------------------------------------------------------------------

    def _checked(self, handler):
        async def endpoint(request: Request) -> Response:
            body = await request.body()
            self.requests.append((request.method, request.url.path))
            checked = MockRequest(
                f"{request.url.scheme}://{request.url.netloc}", request.method, request.url.path,
                args=dict(request.query_params), headers=dict(request.headers), data=body,
                content_type=request.headers.get("content-type", ""),
            )
            problems = [str(error) for error in self._openapi.iter_request_errors(checked)]
            if problems:
                self.violations.extend(f"request {request.method} {request.url.path}: {p}" for p in problems)
                return _error(400, "INVALID_REQUEST", "; ".join(problems))
            if self.slow_seconds:
                await asyncio.sleep(self.slow_seconds)
            if request.headers.get("authorization") != f"Bearer {API_KEY}":
                response: Response = _error(401, "INVALID_TOKEN", "The API key is not valid")
            elif self.down:
                response = _error(503, "RESOURCE_ERROR", "maintenance")
            else:
                response = await handler(request)
            if getattr(response, "off_contract", False):
                return response
            answer = MockResponse(response.body, response.status_code, dict(response.headers),
                                  response.headers.get("content-type", "").split(";")[0])
            self.violations.extend(f"answer to {request.method} {request.url.path}: {error}"
                                   for error in self._openapi.iter_response_errors(checked, answer))
            return response

        return endpoint

    async def submit(self, request: Request) -> Response:
        form = await request.form()
        upload, info = form["file"], json.loads(form["flowInfo"])
        content = await upload.read()
        self.received.append({"idempotency_key": request.headers.get("idempotency-key"), "flow_info": info,
                              "filename": upload.filename, "file_type": upload.content_type, "content": content})
        if upload.filename in MISBEHAVIOURS:
            response = MISBEHAVIOURS[upload.filename]
            response.off_contract = not response.headers.get("content-type", "").startswith("application/json")
            return response
        if upload.filename == "slow.xml":
            await asyncio.sleep(1.0)
        if info.get("sha256") and info["sha256"] != hashlib.sha256(content).hexdigest():
            return _error(422, "CHECKSUM_MISMATCH", "the file does not match flowInfo.sha256")
        flow_id = f"FL-{len(self.flows) + 1:06d}"
        now = self._tick()
        self.by_key[info.get("trackingId", flow_id)] = flow_id
        self.flows[flow_id] = {
            **info, "flowId": flow_id, "submittedAt": now, "updatedAt": now, "processingRule": "B2B",
            "flowProfile": info.get("flowProfile", "Undefined"),
            "flowType": "CustomerInvoiceLC" if info["flowSyntax"] == "CDAR" else "CustomerInvoice",
            "processingRuleSource": "Input", "flowDirection": "Out", "acknowledgement": {"status": "Pending"},
        }
        self.files[flow_id] = content
        answer = {key: self.flows[flow_id][key] for key in
                  ("flowId", "submittedAt", "trackingId", "name", "flowSyntax", "flowProfile", "sha256")
                  if key in self.flows[flow_id]}
        return JSONResponse(answer, status_code=202)

    async def search(self, request: Request) -> Response:
        query = await request.json()
        where, limit = query.get("where") or {}, query.get("limit", 25)
        if self.page_size:
            limit = min(limit, self.page_size)
        found = [flow for flow in sorted(self.flows.values(), key=lambda flow: (flow["updatedAt"], flow["flowId"]))
                 if _matches(flow, where)]
        start = int(query["cursor"]) if query.get("cursor") else 0
        page = found[start:start + limit]
        answer: dict[str, Any] = {"limit": limit, "filters": where, "results": page}
        if start + limit < len(found):
            answer["nextCursor"] = str(start + limit)
        return JSONResponse(answer)

    async def get(self, request: Request) -> Response:
        flow = self.flows.get(request.path_params["flow_id"])
        if flow is None:
            return _error(404, "MISSING_RESOURCE", f"no flow {request.path_params['flow_id']}")
        if request.query_params.get("docType", "Metadata") == "Metadata":
            return JSONResponse(flow)
        return Response(self.files[flow["flowId"]], media_type="application/octet-stream",
                        headers={"Content-Disposition": f"attachment;filename={flow['name']}"})


def _matches(flow: dict[str, Any], where: dict[str, Any]) -> bool:
    if "trackingId" in where and flow.get("trackingId") != where["trackingId"]:
        return False
    if "flowDirection" in where and flow["flowDirection"] not in where["flowDirection"]:
        return False
    if "flowType" in where and flow["flowType"] not in where["flowType"]:
        return False
    return not ("updatedAfter" in where and not flow["updatedAt"] > where["updatedAfter"])

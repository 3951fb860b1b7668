"""GraphQL over HTTP: the strawberry view with our input boundary and the spec's media types.

A client that accepts `application/graphql-response+json` gets it, and with it the status codes
the GraphQL-over-HTTP specification gives that media type: a request that could not run (parse,
validation or variable errors) answers 400 without a `data` entry. Older clients asking for
`application/json` (or nothing) keep the legacy behaviour: 200 for every GraphQL result.
Whatever goes wrong before execution (a body that is not a JSON object, a bad parameter) is a
4xx with a JSON error in that same media type, never strawberry's plain text, never a 500.
"""

import asyncio
from typing import Any

from cross_web import HTTPException
from graphql import ExecutionResult, GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, process_result

from graphql_api.boundary import InputRefused, decode_json
from graphql_api.context import ADMIN_SESSION_COOKIE, SESSION_COOKIE, bearer_token

GRAPHQL_RESPONSE = "application/graphql-response+json"
LEGACY_JSON = "application/json"


def negotiated(accept: str) -> str:
    """The response media type for an Accept header: the spec's own type when the client names
    it, else application/json (also for `*/*` and a missing header, as the spec asks)."""
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in types else LEGACY_JSON


def is_request_error(result: ExecutionResult) -> bool:
    """Nothing ran: no data and no error belongs to a field (parse, validation, variables)."""
    return result.data is None and bool(result.errors) and all(e.path is None for e in result.errors)


def foreign_origin(request: Request, own_origins: tuple[str, ...]) -> str | None:
    """The Origin of a browser POST riding on a session cookie from another site, else None.

    SameSite already keeps our cookies off most cross-site requests; this is the second lock
    (older browsers, same-site subdomains). Bearer tokens are never ambient, and a request
    without Origin comes from no browser page, so neither is at risk."""
    origin = request.headers.get("origin")
    if request.method != "POST" or origin is None or bearer_token(request.headers):
        return None
    if not (request.cookies.get(SESSION_COOKIE) or request.cookies.get(ADMIN_SESSION_COOKIE)):
        return None
    own = f"{request.url.scheme}://{request.url.netloc}"
    return None if origin.rstrip("/") in (own, *own_origins) else origin


def error_response(media_type: str, status: int, code: str, message: str) -> Response:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status,
                        media_type=media_type)


class GraphQLView(GraphQL):
    """strawberry's ASGI view, answering per the GraphQL-over-HTTP specification, and stopping
    an operation that runs longer than `timeout_seconds`."""

    timeout_seconds: float = 30.0
    own_origins: tuple[str, ...] = ()  # the public URL's origin, when a proxy changes the Host

    async def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        # Cancelling a mutation is safe: each write is one transaction, which then rolls back,
        # and what committed before is consistent (the outbox relay sends its jobs).
        try:
            async with asyncio.timeout(self.timeout_seconds or None):
                return await super().execute_operation(*args, **kwargs)
        except TimeoutError:
            message = (f"the operation ran longer than {self.timeout_seconds:g} s and was stopped; ask for fewer "
                       "documents or fields")
            return ExecutionResult(None, [GraphQLError(message, extensions={"code": "TIMEOUT"})])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        media_type = negotiated(request.headers.get("accept", ""))
        origin = foreign_origin(request, self.own_origins)
        if origin is not None:
            refusal = error_response(media_type, 403, "FORBIDDEN_ORIGIN",
                                     f"a request from {origin} cannot use this site's session cookie; "
                                     "send 'Authorization: Bearer <token>' instead")
            await refusal(scope, receive, send)
            return
        try:
            response = await self.run(request)
        except InputRefused as error:
            response = error_response(media_type, 400, error.code, str(error))
        except HTTPException as error:
            response = error_response(media_type, error.status_code, "BAD_REQUEST", error.reason)
        await response(scope, receive, send)

    def decode_json(self, data: str | bytes) -> object:
        # Bytes are a whole HTTP body, which must be an object (or a batch); strings are the
        # `variables` of a GET or the fields of a multipart body, checked by the view itself.
        return decode_json(data, top_level=isinstance(data, bytes))

    async def get_sub_response(self, request: Request) -> Response:  # type: ignore[override]
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = negotiated(request.headers.get("accept", ""))
        return sub_response

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:  # type: ignore[override]
        processed = process_result(result)
        if is_request_error(result) and negotiated(request.headers.get("accept", "")) == GRAPHQL_RESPONSE:
            processed.pop("data", None)  # the spec: no data entry when the request did not run
        return processed

    def create_response(self, response_data: Any, sub_response: Response) -> Response:  # type: ignore[override]
        response = super().create_response(response_data, sub_response)
        media_type = sub_response.media_type or LEGACY_JSON
        response.headers["content-type"] = f"{media_type}; charset=utf-8"
        if media_type == GRAPHQL_RESPONSE and isinstance(response_data, dict) and "data" not in response_data:
            response.status_code = 400
        return response

"""The /admin/ login under the same throttle as GraphQL `login` (models/throttle.py).

piccolo-admin's own limiter counted every request, the right ones too, per address, in one
process's memory, and blocked until restart; it is switched off (`NoLimit`) and this middleware
guards the login endpoint instead: a blocked account or address gets 429 with Retry-After
before its password is checked; the outcome of the others is read from piccolo's answer
(a session cookie means signed in).
"""

import json
from typing import Any
from urllib.parse import parse_qs

from piccolo_api.rate_limiting.middleware import RateLimitProvider
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admin.tenancy import route_path
from models import throttle

LOGIN_PATH = "/public/login/"


class NoLimit(RateLimitProvider):
    """piccolo's limiter, disabled: `SignInGuard` throttles failures, not requests."""

    def increment(self, identifier: str) -> None:
        return None


def _username(content_type: str, body: bytes) -> str | None:
    try:
        if content_type.startswith("application/json"):
            value: Any = json.loads(body).get("username")
        else:
            value = (parse_qs(body.decode("utf-8")).get("username") or [None])[0]
    except (ValueError, AttributeError, UnicodeDecodeError):
        return None
    return value if isinstance(value, str) and value else None


class SignInGuard:
    def __init__(self, app: ASGIApp, policy: throttle.ThrottlePolicy | None = None):
        self.app = app
        self.policy = policy or throttle.ThrottlePolicy()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or route_path(scope) != LOGIN_PATH:
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        headers = dict(scope.get("headers") or [])
        username = _username(headers.get(b"content-type", b"").decode("latin-1"), body)
        address = scope["client"][0] if scope.get("client") else None
        if username is None:  # piccolo answers a login without a username itself
            await self.app(scope, _replay(body, receive), send)
            return
        refused = await throttle.blocked(username, address)
        if refused:
            response = JSONResponse({"detail": refused.message}, 429,
                                    headers={"Retry-After": str(refused.retry_after_seconds)})
            await response(scope, receive, send)
            return
        signed_in = False

        async def watching(message: Message) -> None:
            nonlocal signed_in
            if message["type"] == "http.response.start" and message["status"] < 400:
                signed_in = any(name.lower() == b"set-cookie" and value.startswith(b"id=")
                                for name, value in message.get("headers", []))
            await send(message)

        await self.app(scope, _replay(body, receive), watching)
        if signed_in:
            await throttle.record_success(username)
        else:
            await throttle.record_failure(username, address, self.policy)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, then the connection's own messages (its disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay

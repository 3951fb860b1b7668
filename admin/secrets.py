"""Secrets stay out of organisation administrators' reach in /admin/: the e-invoicing
platform's API key (set by a platform administrator, `parapheur platform set`) is shown to them
masked. They cannot write the organisation row (it is read-only for them), so a masked value can
never be saved back over the real key.
"""

import json
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admin.tenancy import route_path

MASK = "•••••••• (write-only: set with `parapheur platform set`)"
SECRET_KEYS = ("api_key",)


def masked(value: Any) -> Any:
    """The value with every secret key of a platform configuration masked, at any depth; JSON
    text (piccolo sends JSON columns as strings) is masked inside and given back as text."""
    if isinstance(value, str) and any(f'"{key}"' in value for key in SECRET_KEYS):
        try:
            return json.dumps(masked(json.loads(value)))
        except ValueError:
            return value
    if isinstance(value, list):
        return [masked(item) for item in value]
    if isinstance(value, dict):
        return {k: (MASK if k in SECRET_KEYS and v else masked(v)) for k, v in value.items()}
    return value


class MaskSecrets:
    """Masks secrets in the JSON answers about the organisation table."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not route_path(scope).startswith("/api/tables/organisation/"):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = MutableHeaders(scope=start)
            if headers.get("content-type", "").startswith("application/json"):
                try:
                    body = json.dumps(masked(json.loads(body))).encode()
                except ValueError:
                    pass
                headers["content-length"] = str(len(body))
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, buffered)

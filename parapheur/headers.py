"""Protective headers on every answer: a Content-Security-Policy per route family, framing
limited to our own origin (and, for the portal and widgets, the origins that embed them),
no MIME sniffing, no referrer sent to other sites.

The policies allow exactly what each family loads: our own scripts (the portal's one inline
module script by its hash), inline styles (the widgets and the server's SVG diagrams carry
style attributes), and for GraphiQL the unpkg CDN strawberry's page loads it from with the
page's inline script by hash. piccolo-admin's Vue bundle ships Vue's template compiler, which
needs `'unsafe-eval'`; that one allowance stays under /admin/ (the designer page excepted).
"""

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
GRAPHIQL_CDN = "https://unpkg.com"


def script_hashes(html: str) -> list[str]:
    """CSP hash sources for every inline script of a page, so that exactly those run."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
            for body in INLINE_SCRIPT.findall(html)]


def policy(*, scripts: Iterable[str] = (), styles: Iterable[str] = (), fonts: Iterable[str] = (),
           frame_ancestors: Iterable[str] = ()) -> str:
    def sources(*values: str) -> str:
        return " ".join(values)

    return "; ".join([
        "default-src 'self'",
        "script-src " + sources("'self'", *scripts),
        "style-src " + sources("'self'", "'unsafe-inline'", *styles),
        "font-src " + sources("'self'", "data:", *fonts),
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors " + sources("'self'", *frame_ancestors),
    ])


@dataclass(frozen=True)
class Policies:
    """The CSP of each route family, built once."""

    embeddable: str  # the portal and the widgets: framable by the embedding origins
    own: str  # the designer, the JSON API, everything else
    admin: str
    graphiql: str

    @classmethod
    def build(cls, *, portal_html: str, graphiql_html: str, embedding_origins: Iterable[str]) -> "Policies":
        return cls(
            embeddable=policy(scripts=script_hashes(portal_html), frame_ancestors=embedding_origins),
            own=policy(),
            admin=policy(scripts=["'unsafe-eval'"]),
            graphiql=policy(scripts=[GRAPHIQL_CDN, *script_hashes(graphiql_html)], styles=[GRAPHIQL_CDN],
                            fonts=[GRAPHIQL_CDN]),
        )

    def for_path(self, path: str, method: str) -> str:
        if path == "/" or path.startswith("/widgets/"):
            return self.embeddable
        if path.startswith("/admin") and not path.startswith("/admin/designer"):
            return self.admin
        if path == "/graphql" and method == "GET":
            return self.graphiql
        return self.own


class SecurityHeaders:
    """Adds the headers to every HTTP answer that does not set them itself."""

    def __init__(self, app: ASGIApp, policies: Policies, embeddable: bool):
        self.app = app
        self.policies = policies
        self.embeddable = embeddable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        csp = self.policies.for_path(path, scope["method"])
        framable_by_others = csp == self.policies.embeddable and self.embeddable

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", csp)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if not framable_by_others:  # the CSP says it too; this is for older browsers
                    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
            await send(message)

        await self.app(scope, receive, with_headers)

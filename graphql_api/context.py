"""Per-request context: the viewer behind the bearer token (or the portal's session cookie, or
an organisation administrator's /admin/ login) and the request's DataLoaders."""

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

from starlette.requests import Request

from graphql_api.errors import Unauthenticated
from graphql_api.loaders import Loaders
from models.sessions import viewer_for_admin_session
from models.viewers import Viewer, viewer_for_token


@dataclass
class Context:
    request: Request | None
    viewer: Viewer | None
    token_presented: bool
    token_lifetime: timedelta = field(default=timedelta(hours=12))
    webhook_allow_http_hosts: tuple[str, ...] = ()
    response: Any = None

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.require_viewer())

    def require_viewer(self) -> Viewer:
        if self.viewer is None:
            if self.token_presented:
                raise Unauthenticated("The bearer token is unknown, expired or revoked; log in again.")
            raise Unauthenticated("Authentication required: send 'Authorization: Bearer <token>' (see login).")
        return self.viewer


SESSION_COOKIE = "parapheur_session"
ADMIN_SESSION_COOKIE = "id"  # piccolo-admin's (HttpOnly, SameSite=Lax: no cross-site POST carries it)


def bearer_token(headers: Any) -> str | None:
    header = headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def request_token(request: Request) -> str | None:
    """The bearer header wins; else the session cookie the portal's login set (HttpOnly,
    SameSite=Strict, so another site's page cannot ride on it)."""
    return bearer_token(request.headers) or request.cookies.get(SESSION_COOKIE) or None


async def build_context(
    request: Request, token_lifetime: timedelta, webhook_allow_http_hosts: tuple[str, ...] = (), response: Any = None
) -> Context:
    token = request_token(request)
    viewer = await viewer_for_token(token) if token else None
    admin_session = request.cookies.get(ADMIN_SESSION_COOKIE) if token is None else None
    if admin_session:
        viewer = await viewer_for_admin_session(admin_session)
    return Context(request=request, viewer=viewer, token_presented=token is not None, token_lifetime=token_lifetime,
                   webhook_allow_http_hosts=webhook_allow_http_hosts, response=response)

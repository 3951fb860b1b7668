"""The ASGI application: GraphQL at /graphql (GraphiQL on GET), health check, limits."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admin.site import create_admin_app
from graphql_api.context import Context, build_context
from graphql_api.schema import build_schema
from graphql_api.transport import GraphQLView
from jobs.services import JobPolicy, Services
from models.database import bind, close_pool, engine_for, open_pool
from parapheur.headers import Policies, SecurityHeaders
from parapheur.settings import Settings, get_settings


class BodyTooLarge(Exception):
    """Raised when a request body passes the configured limit."""


class BodyTooSlow(Exception):
    """Raised when a request body has not fully arrived within the read timeout."""


class BodyLimit:
    """Refuses bodies over `max_bytes` with 413 before anything parses them, and bodies still
    arriving `read_timeout` seconds after the request began with 408 (a client that never
    sends its body must not hold a connection and a task for ever)."""

    def __init__(self, app: ASGIApp, max_bytes: int, read_timeout: float = 0.0):
        self.app = app
        self.max_bytes = max_bytes
        self.read_timeout = read_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send, 413, "PAYLOAD_TOO_LARGE",
                               f"request body is larger than the {self.max_bytes} bytes allowed")
            return
        seen = 0
        complete = False
        deadline = asyncio.get_running_loop().time() + self.read_timeout if self.read_timeout else None
        started = False

        async def limited() -> Message:
            nonlocal seen, complete
            if complete or deadline is None:
                message = await receive()  # after the body: waiting for a disconnect is fine
            else:
                try:
                    async with asyncio.timeout_at(deadline):
                        message = await receive()
                except TimeoutError:
                    raise BodyTooSlow from None
            seen += len(message.get("body", b""))
            complete = complete or not message.get("more_body", False)
            if seen > self.max_bytes:
                raise BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watched)
        except BodyTooLarge:
            await self._refuse(scope, receive, send, 413, "PAYLOAD_TOO_LARGE",
                               f"request body is larger than the {self.max_bytes} bytes allowed")
        except BodyTooSlow:
            if not started:
                await self._refuse(scope, receive, send, 408, "REQUEST_TIMEOUT",
                                   f"the request body did not arrive within {self.read_timeout:g} s")

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str) -> None:
        response = JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status,
                                headers={"Connection": "close"})
        await response(scope, receive, send)


class ParapheurGraphQL(GraphQLView):
    def __init__(self, settings: Settings):
        super().__init__(
            build_schema(max_tokens=settings.max_query_tokens, max_depth=settings.max_query_depth,
                         max_cost=settings.max_query_cost),
            graphql_ide="graphiql",
        )
        self.timeout_seconds = settings.query_timeout_seconds
        public = urlsplit(settings.public_url)
        self.own_origins = (f"{public.scheme}://{public.netloc}",)
        self.token_lifetime = timedelta(hours=settings.token_lifetime_hours)
        self.webhook_allow_http_hosts = settings.webhook_allow_http_hosts

    async def get_context(self, request: Any, response: Any) -> Context:
        return await build_context(request, self.token_lifetime, self.webhook_allow_http_hosts, response)


STATIC = Path(__file__).resolve().parent.parent / "form_engine" / "static"


async def portal(request: Request) -> Response:
    """The portal page: login, inbox, new document, my documents, built from the widgets."""
    return FileResponse(STATIC / "portal.html", media_type="text/html; charset=utf-8")


async def designer(request: Request) -> Response:
    """The designer for forms and circuits (a page of the platform, linked from the admin)."""
    return FileResponse(STATIC / "designer.html", media_type="text/html; charset=utf-8")


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


async def download_attachment(request: Request) -> Response:
    """An attachment's bytes, for a viewer who may see its document (same bearer token)."""
    from graphql_api.context import request_token
    from models.attachments import content_of
    from models.documents import parse_id_of
    from models.errors import NotFound
    from models.queries import visible_documents_by_id
    from models.viewers import viewer_for_token

    token = request_token(request)
    viewer = await viewer_for_token(token) if token else None
    if viewer is None:
        return _error(401, "UNAUTHENTICATED", "send 'Authorization: Bearer <token>' to download attachments")
    raw = request.path_params["attachment_id"]
    try:
        row = await content_of(viewer.organisation_id, parse_id_of("attachment", raw))
    except NotFound:
        row = None
    if row is None or not await visible_documents_by_id(viewer, [row.document_id]):
        return _error(404, "NOT_FOUND", f"no attachment with id {raw!r}")
    safe_name = "".join(c for c in row.filename if c.isalnum() or c in "-_.") or "attachment"
    return Response(
        row.content or b"",
        media_type=row.media_type,
        headers={"Content-Disposition": f'attachment; filename="{safe_name}"', "ETag": f'"{row.sha256}"',
                 "X-Content-Type-Options": "nosniff"},
    )


def build_services(settings: Settings) -> Services:
    """The connectors and retry policy automated actions run with, from the settings."""
    from jobs.connectors.mail import SmtpMailer
    from jobs.connectors.webhooks import HttpWebhookSender

    return Services(
        policy=JobPolicy(
            max_attempts=settings.job_max_attempts,
            backoff_seconds=settings.job_backoff_seconds,
            backoff_cap_seconds=settings.job_backoff_cap_seconds,
            lease_seconds=settings.job_lease_seconds,
            relay_interval_seconds=settings.relay_interval_seconds,
            redispatch_after_seconds=settings.redispatch_after_seconds,
            platform_poll_seconds=settings.platform_poll_seconds,
        ),
        mailer=SmtpMailer.from_url(settings.smtp_url) if settings.smtp_url else None,
        webhook_sender=HttpWebhookSender(allow_http_hosts=settings.webhook_allow_http_hosts),
        public_url=settings.public_url,
    )


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Starlette:
    """Build the app; with manage_database the lifespan binds the engine and its pool and
    starts the job system (relay, and worker threads with the embedded broker)."""
    settings = settings or get_settings()
    graphql = ParapheurGraphQL(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not manage_database:
            yield
            return
        from jobs.actions import ACTIONS
        from jobs.brokers import make_broker
        from jobs.system import JobSystem

        engine = engine_for(settings.database_url)
        bind(engine)
        await open_pool(engine)
        jobs = JobSystem(make_broker(settings.broker_url), ACTIONS, build_services(settings))
        await jobs.start()
        try:
            yield
        finally:
            await jobs.stop()
            await close_pool(engine)

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/health", health),
            Route("/attachments/{attachment_id}", download_attachment),
            Route("/", portal),
            Mount("/widgets", StaticFiles(directory=STATIC), name="widgets"),
            Route("/admin/designer/", designer),
            Mount("/admin", app=create_admin_app(production=settings.public_url.startswith("https://"))),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, read_timeout=settings.read_timeout_seconds)
    policies = Policies.build(portal_html=(STATIC / "portal.html").read_text(encoding="utf-8"),
                              graphiql_html=graphql.graphql_ide_html, embedding_origins=settings.cors_origins)
    app.add_middleware(SecurityHeaders, policies=policies, embeddable=bool(settings.cors_origins))
    if settings.cors_origins:  # pages of other origins that embed the widgets
        app.add_middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"], max_age=600,
        )
    return app


"""The ASGI application: GraphQL at /graphql (GraphiQL on GET), health check, limits."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from graphql_api.context import Context, build_context
from graphql_api.schema import build_schema
from models.database import bind, close_pool, engine_for, open_pool
from parapheur.settings import Settings, get_settings


class BodyTooLarge(Exception):
    """Raised when a request body passes the configured limit."""


class BodyLimit:
    """Refuses bodies over `max_bytes` with 413 before anything parses them."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"request body is larger than the {self.max_bytes} bytes allowed"
        response = JSONResponse({"errors": [{"message": message, "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}, 413)
        await response(scope, receive, send)


class ParapheurGraphQL(GraphQL):
    def __init__(self, settings: Settings):
        super().__init__(
            build_schema(max_tokens=settings.max_query_tokens, max_depth=settings.max_query_depth),
            graphql_ide="graphiql",
        )
        self.token_lifetime = timedelta(hours=settings.token_lifetime_hours)

    async def get_context(self, request: Any, response: Any) -> Context:
        return await build_context(request, self.token_lifetime)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Starlette:
    """Build the app; with manage_database the lifespan binds the engine and its pool."""
    settings = settings or get_settings()
    graphql = ParapheurGraphQL(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not manage_database:
            yield
            return
        engine = engine_for(settings.database_url)
        bind(engine)
        await open_pool(engine)
        try:
            yield
        finally:
            await close_pool(engine)

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/health", health),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app


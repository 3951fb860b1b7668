"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL tests use a database of their own, `<db>_parapheur_test_<pid>`, next to the one
named by PARAPHEUR_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test), never
the named database itself, since each test truncates every table; it is dropped at the end,
and two test runs never share one. They are skipped with a reason when
no server answers, except under CI, where a missing server is a failure.
"""

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import asyncpg
import httpx
import pytest
from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from models.database import bind, close_pool, engine_for, open_pool
from models.demo import load_demo
from models.document_types import forget_cache
from models.migrate import migrate
from models.tables import TABLES
from parapheur.app import create_app
from parapheur.settings import Settings
from rules import cache as workflow_cache
from tests.circuit import Circuit

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "ui-schemas"
IN_CI = bool(os.environ.get("CI"))

# Demo and test users are created many times per run; the production iteration count would
# spend most of the suite hashing. Password checks still run piccolo's real PBKDF2 code.
BaseUser._pbkdf2_iteration_count = 1_000


def postgres_url() -> str:
    configured = os.environ.get("PARAPHEUR_DATABASE_URL", "")
    base = configured if configured.startswith("postgres") else "postgresql://postgres@127.0.0.1:5432/test"
    parsed = urlparse(base)
    name = f"{parsed.path.lstrip('/') or 'postgres'}_parapheur_test_{os.getpid()}"
    return urlunparse(parsed._replace(path="/" + name))


async def _admin(url: str, statement: str) -> None:
    """Run a statement on the server's `postgres` database (CREATE/DROP DATABASE)."""
    admin = urlunparse(urlparse(url)._replace(path="/postgres"))
    connection = await asyncpg.connect(admin.replace("postgresql://", "postgres://", 1), timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite"
    bind(engine_for(f"sqlite:///{path}"))
    await migrate()
    return path


@pytest.fixture(scope="session")
async def postgres_engine() -> AsyncIterator[Any]:
    url = postgres_url()
    try:
        name = urlparse(url).path.lstrip("/")
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _admin(url, f'CREATE DATABASE "{name}"')
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI and did not answer at {url}: {error}")
        pytest.skip(f"PostgreSQL not reachable at {url} ({error}); start it to run the PostgreSQL half")
    engine = engine_for(url)
    bind(engine)
    await migrate()
    await open_pool(engine)
    yield engine
    await close_pool(engine)
    await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _truncate_postgres(engine: Any) -> None:
    names = ", ".join(f'"{t._meta.tablename}"' for t in (*TABLES, BaseUser, SessionsBase))
    await engine.run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Any]:
    """Which database a test runs on: a fresh copy of the SQLite template, or the PostgreSQL
    engine (emptied by `database`). Sync, so it can pull the session fixtures it needs."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "db.sqlite"
        shutil.copy(template, path)
        return "sqlite", engine_for(f"sqlite:///{path}")
    return "postgres", request.getfixturevalue("postgres_engine")


@pytest.fixture
async def database(backend: tuple[str, Any]) -> str:
    """An empty, migrated database of each kind, bound to every table."""
    kind, engine = backend
    forget_cache()
    workflow_cache.clear()
    if kind == "postgres":
        await _truncate_postgres(engine)
    bind(engine)
    return kind


@pytest.fixture
async def demo(database: str) -> int:
    """The demo organisation loaded in the test database; returns its id."""
    return await load_demo(TEMPLATES)


class GraphQLClient:
    """Posts GraphQL to the in-process app; `as_user` logs in through the API itself."""

    def __init__(self, http: httpx.AsyncClient):
        self.http = http
        self.tokens: dict[str, str] = {}

    async def post(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post("/graphql", json={"query": query, "variables": variables or {}},
                                        headers=headers)
        return response

    async def __call__(self, query: str, variables: dict[str, Any] | None = None, *, user: str | None = None,
                       token: str | None = None) -> dict[str, Any]:
        if user is not None:
            token = await self.token(user)
        response = await self.post(query, variables, token)
        body = response.json()
        assert response.status_code == 200, body
        return body

    async def token(self, username: str, password: str = "demo") -> str:
        if username not in self.tokens:
            body = await self(
                "mutation($u: String!, $p: String!) { login(username: $u, password: $p) "
                "{ __typename ... on LoginSuccess { token } ... on LoginFailed { message } } }",
                {"u": username, "p": password},
            )
            result = body["data"]["login"]
            assert result["__typename"] == "LoginSuccess", result
            self.tokens[username] = result["token"]
        return self.tokens[username]


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url="sqlite:///unused.sqlite")


@pytest.fixture
async def api(demo: int, settings: Settings) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client on the demo organisation, for each database."""
    app = create_app(settings, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parapheur.test") as http:
        yield GraphQLClient(http)


@pytest.fixture
def circuit(api: GraphQLClient) -> Circuit:
    return Circuit(api)

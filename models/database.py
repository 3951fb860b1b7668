"""Which database the tables talk to, and the write transaction every store uses.

The engine is chosen from one URL (`sqlite:///path` or `postgresql://…`) and bound to every
table at start-up, so tests can run the same code against SQLite and PostgreSQL.
"""

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote, urlparse

from piccolo.apps.migrations.tables import Migration
from piccolo.apps.user.tables import BaseUser
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table
from piccolo_api.session_auth.tables import SessionsBase

from models.errors import ModelError
from models.sessions import HashedSessions
from models.tables import TABLES

ALL_TABLES: tuple[type[Table], ...] = (BaseUser, Migration, SessionsBase, HashedSessions, *TABLES)


class DatabaseError(ModelError):
    """Raised when the database URL or connection cannot be used."""


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class UnicodeConnection(sqlite3.Connection):
    """SQLite's own LOWER() folds ASCII only ("Écrans" stays "Écrans"); Python's folds every
    letter, as PostgreSQL's does, so case-insensitive search agrees on both databases."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.create_function("LOWER", 1, _lower, deterministic=True)


def engine_for(url: str) -> Engine:
    """Build the piccolo engine named by a database URL."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///relative.sqlite or sqlite:////absolute/path.sqlite, as SQLAlchemy writes them
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
        if not path:
            raise DatabaseError(f"database URL {url!r} names no file; use sqlite:///parapheur.sqlite")
        return SQLiteEngine(path=path, timeout=30, factory=UnicodeConnection)
    if parsed.scheme in ("postgres", "postgresql"):
        config = {
            "host": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 5432,
            "user": unquote(parsed.username or "postgres"),
            "database": (parsed.path or "/").lstrip("/") or "postgres",
        }
        if parsed.password:
            config["password"] = unquote(parsed.password)
        return PostgresEngine(config=config)
    raise DatabaseError(
        f"unsupported database URL scheme {parsed.scheme!r} in {url!r}; "
        "use sqlite:///file.sqlite or postgresql://user@host:5432/db"
    )


_engine: Engine | None = None


def bind(engine: Engine) -> None:
    """Point every table (ours, piccolo's users and migrations) at one engine."""
    global _engine
    _engine = engine
    os.environ.setdefault("PICCOLO_CONF", "models.piccolo_conf")
    from models import piccolo_conf

    piccolo_conf.DB = engine
    for table in ALL_TABLES:
        table._meta.db = engine


def current_engine() -> Engine:
    if _engine is None:
        raise DatabaseError("no database bound; call models.database.bind(engine_for(url)) first")
    return _engine


def is_sqlite(engine: Engine | None = None) -> bool:
    return (engine or current_engine()).engine_type == "sqlite"


async def _no_session_reset(connection: object) -> None:
    """We set no session state (no SET, LISTEN, advisory locks or temp tables), so a released
    connection needs no RESET ALL round trip; asyncpg still rolls back an open transaction."""


async def open_pool(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=2, max_size=20, reset=_no_session_reset)


async def close_pool(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """One atomic write: BEGIN IMMEDIATE on SQLite (one writer at a time), plain BEGIN on
    PostgreSQL, where the stores lock the rows they change with SELECT … FOR UPDATE."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield

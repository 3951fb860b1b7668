"""Typed settings, read once from the environment (nothing else reads os.environ)."""

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///parapheur.sqlite"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    broker_url: str | None = None
    smtp_url: str | None = None
    token_lifetime_hours: int = 12
    max_body_bytes: int = 1_000_000
    max_query_depth: int = 12
    max_query_tokens: int = 2_000
    templates_dir: Path = field(default_factory=lambda: Path(__file__).resolve().parent.parent / "ui-schemas")


def from_environment(environ: dict[str, str] | os._Environ[str] = os.environ) -> Settings:
    """Build settings from PARAPHEUR_* variables; a bad number names the variable."""

    def integer(name: str, default: int) -> int:
        raw = environ.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{name} must be an integer, got {raw!r}") from None

    return Settings(
        database_url=environ.get("PARAPHEUR_DATABASE_URL") or DEFAULT_DATABASE_URL,
        broker_url=environ.get("PARAPHEUR_BROKER_URL") or None,
        smtp_url=environ.get("PARAPHEUR_SMTP_URL") or None,
        token_lifetime_hours=integer("PARAPHEUR_TOKEN_LIFETIME_HOURS", 12),
        max_body_bytes=integer("PARAPHEUR_MAX_BODY_BYTES", 1_000_000),
        max_query_depth=integer("PARAPHEUR_MAX_QUERY_DEPTH", 12),
        max_query_tokens=integer("PARAPHEUR_MAX_QUERY_TOKENS", 2_000),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return from_environment()

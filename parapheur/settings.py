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
    max_query_cost: int = 20_000
    query_timeout_seconds: float = 30.0
    public_url: str = "http://127.0.0.1:8000"
    job_max_attempts: int = 8
    job_backoff_seconds: float = 2.0
    job_backoff_cap_seconds: float = 600.0
    job_lease_seconds: float = 120.0
    relay_interval_seconds: float = 0.5
    redispatch_after_seconds: float = 60.0
    platform_poll_seconds: float = 900.0
    # Plain http allowed, and for webhooks no public-address check: local test servers only.
    webhook_allow_http_hosts: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    # Proxies whose X-Forwarded-For/-Proto are believed (sign-in throttling keys on the client
    # address); without any, the address is the peer's and those headers are ignored.
    trusted_proxies: tuple[str, ...] = ()
    read_timeout_seconds: float = 30.0
    max_connections: int = 1_000
    keep_alive_seconds: int = 5
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

    def seconds(name: str, default: float) -> float:
        raw = environ.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from None
        if value < 0:
            raise ValueError(f"{name} must not be negative, got {raw!r}")
        return value

    return Settings(
        database_url=environ.get("PARAPHEUR_DATABASE_URL") or DEFAULT_DATABASE_URL,
        broker_url=environ.get("PARAPHEUR_BROKER_URL") or None,
        smtp_url=environ.get("PARAPHEUR_SMTP_URL") or None,
        token_lifetime_hours=integer("PARAPHEUR_TOKEN_LIFETIME_HOURS", 12),
        max_body_bytes=integer("PARAPHEUR_MAX_BODY_BYTES", 1_000_000),
        max_query_depth=integer("PARAPHEUR_MAX_QUERY_DEPTH", 12),
        max_query_tokens=integer("PARAPHEUR_MAX_QUERY_TOKENS", 2_000),
        max_query_cost=integer("PARAPHEUR_MAX_QUERY_COST", 20_000),
        query_timeout_seconds=seconds("PARAPHEUR_QUERY_TIMEOUT_SECONDS", 30.0),
        public_url=(environ.get("PARAPHEUR_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
        job_max_attempts=integer("PARAPHEUR_JOB_MAX_ATTEMPTS", 8),
        job_backoff_seconds=seconds("PARAPHEUR_JOB_BACKOFF_SECONDS", 2.0),
        job_backoff_cap_seconds=seconds("PARAPHEUR_JOB_BACKOFF_CAP_SECONDS", 600.0),
        job_lease_seconds=seconds("PARAPHEUR_JOB_LEASE_SECONDS", 120.0),
        relay_interval_seconds=seconds("PARAPHEUR_RELAY_INTERVAL_SECONDS", 0.5),
        redispatch_after_seconds=seconds("PARAPHEUR_REDISPATCH_AFTER_SECONDS", 60.0),
        platform_poll_seconds=seconds("PARAPHEUR_PLATFORM_POLL_SECONDS", 900.0),
        cors_origins=tuple(
            o.strip().rstrip("/") for o in (environ.get("PARAPHEUR_CORS_ORIGINS") or "").split(",") if o.strip()
        ),
        trusted_proxies=tuple(
            p.strip() for p in (environ.get("PARAPHEUR_TRUSTED_PROXIES") or "").split(",") if p.strip()
        ),
        read_timeout_seconds=seconds("PARAPHEUR_READ_TIMEOUT_SECONDS", 30.0),
        max_connections=integer("PARAPHEUR_MAX_CONNECTIONS", 1_000),
        keep_alive_seconds=integer("PARAPHEUR_KEEP_ALIVE_SECONDS", 5),
        webhook_allow_http_hosts=tuple(
            h.strip() for h in (environ.get("PARAPHEUR_WEBHOOK_ALLOW_HTTP_HOSTS") or "").split(",") if h.strip()
        ),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return from_environment()

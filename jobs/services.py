"""What actions run with: the retry policy and the connectors, built once per process by the
composition root (`parapheur/`) and replaced by in-memory ones in tests (the seams)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jobs.connectors.mail import Mailer
from jobs.connectors.platforms import Platform, platform_from_config
from jobs.connectors.webhooks import WebhookSender


@dataclass(frozen=True)
class JobPolicy:
    max_attempts: int = 8
    backoff_seconds: float = 2.0
    backoff_cap_seconds: float = 600.0
    lease_seconds: float = 120.0
    relay_interval_seconds: float = 0.5
    redispatch_after_seconds: float = 60.0
    platform_poll_seconds: float = 900.0  # 0: never ask platforms for the status of sent invoices


@dataclass
class Services:
    policy: JobPolicy = field(default_factory=JobPolicy)
    mailer: Mailer | None = None
    webhook_sender: WebhookSender | None = None
    public_url: str = "http://127.0.0.1:8000"
    platforms: dict[str, Platform] = field(default_factory=dict)

    def platform_for(self, config: Mapping[str, Any]) -> Platform:
        """The e-invoicing platform an organisation configured (built once per configuration)."""
        key = repr(sorted(config.items()))
        if key not in self.platforms:
            self.platforms[key] = platform_from_config(config)
        return self.platforms[key]

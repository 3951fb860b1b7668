"""The platform status poller: beside the relay in every `serve` and `worker` process.

Every few seconds it queues a `poll_platform_status` outbox job for each invoice whose
platform status is not final yet (at most one per document and slot of `platform_poll_seconds`)
and a `fetch_received_flows` job per organisation with a platform (one per slot): the
idempotency key holds the slot, so any number of processes queue each once; the jobs then run
like every other, with their claims and retries.
"""

import asyncio
import logging
from datetime import UTC, datetime

from models.platform_status import queue_polls
from models.received_flows import queue_fetches

logger = logging.getLogger("parapheur.poller")

MAX_TICK_SECONDS = 15.0


class PlatformPoller:
    def __init__(self, every: float):
        if every <= 0:
            raise ValueError(f"the platform poll period must be positive, got {every!r} (0 turns polling off)")
        self.every = every
        # A slot is noticed at most a quarter of it late (15 s for the default 15 minutes).
        self.interval = min(every / 4, MAX_TICK_SECONDS)

    async def tick(self, now: datetime | None = None) -> int:
        """Queue the polls due in the slot of `now`; returns how many this process queued."""
        return await queue_polls(now or datetime.now(UTC), self.every)

    async def tick_received(self, now: datetime | None = None) -> int:
        """Queue one listing of received flows per organisation with a platform, for the slot of `now`."""
        return await queue_fetches(now or datetime.now(UTC), self.every)

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until `stop` is set; a failing tick (database restart…) is logged, not fatal."""
        while not stop.is_set():
            try:
                await self.tick()
                await self.tick_received()
            except Exception:
                logger.exception("platform status poller tick failed; retrying")
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.interval)
            except TimeoutError:
                pass

"""The outbox relay: hands due jobs to the broker, again and again until they finish.

A transition only writes job rows; the relay sends their ids. If the broker is down the send
fails, nothing is marked, and the next tick tries again; a message the broker lost is sent
again after `redispatch_after`; a job whose worker died is due again when its lease expires.
Several relays (one per process) may run: the executor's claim lets only one attempt through.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from models import jobs as store

logger = logging.getLogger("parapheur.relay")

Send = Callable[[str, int], None]


class UnknownAction(LookupError):
    """Raised by a send function for an action no actor performs (a typo in a workflow's on_enter)."""


class Relay:
    def __init__(self, send: Send, *, interval: float, redispatch_after: float, batch: int = 100):
        self.send = send
        self.interval = interval
        self.redispatch_after = timedelta(seconds=redispatch_after)
        self.batch = batch
        self.broker_down = False

    async def tick(self) -> int:
        """Send every due job once; returns how many went to the broker."""
        sent: list[int] = []
        for job in await store.due_jobs(self.redispatch_after, self.batch):
            try:
                await asyncio.to_thread(self.send, job["action"], job["id"])
            except UnknownAction as error:
                await self._fail(job["id"], str(error))
                continue
            except Exception as error:  # broker unreachable: keep the rest for the next tick
                if not self.broker_down:
                    logger.warning("broker unavailable, jobs wait in the outbox: %s", error)
                self.broker_down = True
                break
            sent.append(job["id"])
        if sent and self.broker_down:
            logger.info("broker reachable again; relaying")
            self.broker_down = False
        await store.mark_dispatched(sent)
        return len(sent)

    async def _fail(self, job_id: int, message: str) -> None:
        claimed = await store.claim(job_id, timedelta(minutes=1))
        if claimed is not None:
            await store.fail(claimed, message)

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until `stop` is set; a failing tick (database restart…) is logged, not fatal."""
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:
                logger.exception("outbox relay tick failed; retrying")
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.interval)
            except TimeoutError:
                pass

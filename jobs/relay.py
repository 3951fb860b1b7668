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
    def __init__(self, send: Send, *, interval: float, redispatch_after: float, batch: int = 500):
        self.send = send
        self.interval = interval
        self.redispatch_after = timedelta(seconds=redispatch_after)
        self.batch = batch
        self.broker_down = False

    async def tick(self) -> int:
        """Send every due job once; returns how many went to the broker."""
        jobs = await store.take_for_dispatch(self.redispatch_after, self.batch)
        if not jobs:
            return 0
        sent, unknown, error = await asyncio.to_thread(self._send_all, jobs)
        for job_id, message in unknown:
            await self._fail(job_id, message)
        done = set(sent) | {job_id for job_id, _ in unknown}
        await store.release_dispatch([job_id for job_id, _ in jobs if job_id not in done])
        if error is not None:
            if not self.broker_down:
                logger.warning("broker unavailable, jobs wait in the outbox: %s", error)
            self.broker_down = True
        elif self.broker_down:
            logger.info("broker reachable again; relaying")
            self.broker_down = False
        return len(sent)

    def _send_all(self, jobs: list[tuple[int, str]]) -> tuple[list[int], list[tuple[int, str]], Exception | None]:
        """In a thread (broker clients block): send until the broker fails."""
        sent: list[int] = []
        unknown: list[tuple[int, str]] = []
        for job_id, kind in jobs:
            try:
                self.send(kind, job_id)
            except UnknownAction as error:
                unknown.append((job_id, str(error)))
                continue
            except Exception as error:  # broker unreachable: the rest waits for the next tick
                return sent, unknown, error
            sent.append(job_id)
        return sent, unknown, None

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

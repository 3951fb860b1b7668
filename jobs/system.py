"""The job system of one process: actors on the chosen broker, the outbox relay, the platform
status poller, and with the embedded broker the worker threads too (`parapheur serve` with no
PARAPHEUR_BROKER_URL).
"""

import asyncio
import logging
from collections.abc import Mapping

import dramatiq

from jobs.actors import declare, sender
from jobs.brokers import QUEUE, is_embedded
from jobs.execution import Action
from jobs.poller import PlatformPoller
from jobs.relay import Relay
from jobs.runtime import LoopRunner
from jobs.services import Services

logger = logging.getLogger("parapheur.jobs")


class JobSystem:
    def __init__(self, broker: dramatiq.Broker, actions: Mapping[str, Action], services: Services,
                 *, worker_threads: int = 2):
        self.broker = broker
        self.actions = actions
        self.services = services
        self.worker_threads = worker_threads
        self.worker: dramatiq.Worker | None = None
        self.relay: Relay | None = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, *, run_workers: bool | None = None) -> None:
        """Declare the actors on this loop, start the relay, and the workers when embedded."""
        runner = LoopRunner(asyncio.get_running_loop())
        actors = declare(self.broker, self.actions, runner, self.services)
        policy = self.services.policy
        self.relay = Relay(sender(actors), interval=policy.relay_interval_seconds,
                           redispatch_after=policy.redispatch_after_seconds)
        self._tasks = [asyncio.create_task(self.relay.run(self._stop), name="outbox-relay")]
        if policy.platform_poll_seconds > 0:
            poller = PlatformPoller(policy.platform_poll_seconds)
            self._tasks.append(asyncio.create_task(poller.run(self._stop), name="platform-poller"))
        if run_workers if run_workers is not None else is_embedded(self.broker):
            self.worker = dramatiq.Worker(self.broker, queues={QUEUE}, worker_threads=self.worker_threads)
            self.worker.start()

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            await task
        if self.worker is not None:
            # Worker threads may be waiting on this very loop: stop them from another thread.
            await asyncio.to_thread(self.worker.stop, 10_000)
        self.broker.close()

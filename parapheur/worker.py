"""Entry module for `parapheur worker` (the dramatiq CLI imports it in each worker process).

Each process binds the database on a loop thread of its own, declares the actors on the
broker named by PARAPHEUR_BROKER_URL and runs an outbox relay and the platform status poller
too, so any number of worker processes on any number of machines share the work; claims keep
each job to one runner, idempotency keys each poll to one job.
"""

import asyncio
import logging

from jobs.actions import ACTIONS
from jobs.actors import declare, sender
from jobs.brokers import is_embedded, make_broker
from jobs.poller import PlatformPoller
from jobs.relay import Relay
from jobs.runtime import LoopRunner
from models.database import bind, engine_for, open_pool
from parapheur.app import build_services
from parapheur.settings import get_settings

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

settings = get_settings()
broker = make_broker(settings.broker_url)
if is_embedded(broker):
    raise SystemExit(
        "parapheur worker needs PARAPHEUR_BROKER_URL (redis://… or amqp://…); "
        "without it, `parapheur serve` runs the jobs itself"
    )


async def _connect() -> None:
    engine = engine_for(settings.database_url)
    bind(engine)
    await open_pool(engine)


runner = LoopRunner.in_thread(_connect)
services = build_services(settings)
actors = declare(broker, ACTIONS, runner, services)
_relay = Relay(sender(actors), interval=services.policy.relay_interval_seconds,
               redispatch_after=services.policy.redispatch_after_seconds)
_stop = asyncio.Event()
runner.loop.call_soon_threadsafe(lambda: runner.loop.create_task(_relay.run(_stop)))
if services.policy.platform_poll_seconds > 0:
    _poller = PlatformPoller(services.policy.platform_poll_seconds)
    runner.loop.call_soon_threadsafe(lambda: runner.loop.create_task(_poller.run(_stop)))

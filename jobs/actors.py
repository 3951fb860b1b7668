"""One dramatiq actor per automated action; each carries only a job id.

Actors are declared on a given broker (not at import time), so the embedded broker, Redis and
RabbitMQ share this code. Dramatiq's own retries are off: the outbox row keeps the attempt
count and the backoff, so retries survive a broker restart.
"""

from collections.abc import Mapping

import dramatiq

from jobs.brokers import QUEUE
from jobs.execution import Action, execute
from jobs.relay import UnknownAction
from jobs.runtime import LoopRunner
from jobs.services import Services

TIME_LIMIT_MS = 10 * 60 * 1000


def declare(
    broker: dramatiq.Broker, actions: Mapping[str, Action], runner: LoopRunner, services: Services
) -> dict[str, dramatiq.Actor]:
    """Register an actor for every action; returns them by action key."""
    actors = {}
    for key, action in actions.items():

        def perform(job_id: int, _action: Action = action) -> None:
            runner.run(execute(job_id, _action, services))

        perform.__name__ = key
        actors[key] = dramatiq.Actor(
            perform,
            broker=broker,
            actor_name=key,
            queue_name=QUEUE,
            priority=0,
            options={"max_retries": 0, "time_limit": TIME_LIMIT_MS},
        )
    return actors


def sender(actors: Mapping[str, dramatiq.Actor]):
    """The relay's send function: the job's action picks the actor."""

    def send(action: str, job_id: int) -> None:
        actor = actors.get(action)
        if actor is None:
            known = ", ".join(sorted(actors))
            raise UnknownAction(f"no automated action {action!r}; the platform performs: {known}")
        actor.send(job_id)

    return send

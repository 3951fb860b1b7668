"""The one place a dramatiq broker is chosen, from PARAPHEUR_BROKER_URL.

No URL means the embedded default: an in-memory broker whose worker threads run inside
`parapheur serve`. Nothing is lost either way: the outbox table, not the broker, is the
source of truth, and the relay re-sends whatever has not finished.
"""

from collections.abc import Callable
from urllib.parse import urlparse

import dramatiq
from dramatiq.brokers.stub import StubBroker

from jobs.errors import PermanentJobError

QUEUE = "parapheur"


def _redis(url: str) -> dramatiq.Broker:
    from dramatiq.brokers.redis import RedisBroker

    return RedisBroker(url=url)


def _rabbitmq(url: str) -> dramatiq.Broker:
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    return RabbitmqBroker(url=url)


BROKERS: dict[str, Callable[[str], dramatiq.Broker]] = {
    "redis": _redis,
    "rediss": _redis,
    "amqp": _rabbitmq,
    "amqps": _rabbitmq,
}


def make_broker(url: str | None) -> dramatiq.Broker:
    """Build the broker for `url` and make it dramatiq's global broker."""
    if not url:
        broker: dramatiq.Broker = StubBroker()
    else:
        scheme = urlparse(url).scheme
        factory = BROKERS.get(scheme)
        if factory is None:
            raise PermanentJobError(
                f"PARAPHEUR_BROKER_URL scheme {scheme!r} is not supported; use redis://host:6379/0, "
                "amqp://user:password@host:5672/ or leave it empty for the embedded broker"
            )
        broker = factory(url)
    dramatiq.set_broker(broker)
    return broker


def is_embedded(broker: dramatiq.Broker) -> bool:
    return isinstance(broker, StubBroker)

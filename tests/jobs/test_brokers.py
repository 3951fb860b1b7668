"""The broker is chosen in one place; the job system runs the same over RabbitMQ."""

import socket

import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from jobs.brokers import make_broker
from jobs.errors import PermanentJobError
from tests.conftest import IN_CI

RABBITMQ = "amqp://guest:guest@127.0.0.1:5672/"


@pytest.mark.parametrize(
    ("url", "kind"),
    [(None, StubBroker), ("", StubBroker), ("redis://127.0.0.1:6379/0", RedisBroker), (RABBITMQ, RabbitmqBroker)],
)
def test_url_scheme_picks_the_broker(url, kind):
    broker = make_broker(url)
    try:
        assert isinstance(broker, kind)
    finally:
        broker.close()


def test_unknown_scheme_names_the_supported_ones():
    with pytest.raises(PermanentJobError, match="use redis://host:6379/0, amqp://"):
        make_broker("kafka://127.0.0.1:9092")


def rabbitmq_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=2):
            return True
    except OSError:
        return False


async def test_approval_runs_its_actions_through_rabbitmq(circuit, demo, smtp_server):
    if not rabbitmq_reachable():
        if IN_CI:
            pytest.fail("RabbitMQ is required in CI at 127.0.0.1:5672")
        pytest.skip("RabbitMQ not reachable at 127.0.0.1:5672")
    from jobs.actions import ACTIONS
    from jobs.connectors.mail import SmtpMailer
    from jobs.services import Services
    from jobs.system import JobSystem
    from tests.jobs.test_purchase_flow import FAST, until_idle

    mailer = SmtpMailer.from_url(f"smtp://127.0.0.1:{smtp_server.port}?from=achats@demo.example")
    system = JobSystem(make_broker(RABBITMQ), ACTIONS, Services(policy=FAST, mailer=mailer))
    await system.start(run_workers=True)
    try:
        request = await circuit.submitted(total_ht=1200)
        await circuit.approved_by("bob", request["id"])
        jobs = await until_idle(timeout=60)
    finally:
        await system.stop()
    assert [(j["action"], j["status"]) for j in jobs] == [
        ("generate_purchase_order", "SUCCEEDED"), ("email_supplier", "SUCCEEDED")]
    assert len(smtp_server.inbox.messages) == 1

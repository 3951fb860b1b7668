"""Real worker processes on Redis: SIGKILL one in the middle of an action, start another, and
the action completes with its effect there once. Then: the broker is down while documents
move; nothing is lost, and the jobs run when it is back.

Needs Redis (and a redis-server binary for the outage test): required under CI, skipped
with a reason otherwise.
"""

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
import redis

from models.links import targets
from models.tables import Document, Link, OutboxJob
from tests.conftest import IN_CI, postgres_url
from tests.jobs.test_purchase_flow import until_idle

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 14


def redis_url() -> str:
    return f"redis://127.0.0.1:6379/{REDIS_DB}"


@pytest.fixture
def redis_broker_url() -> str:
    try:
        client = redis.Redis.from_url(redis_url(), socket_connect_timeout=2)
        client.ping()
    except redis.RedisError as error:
        if IN_CI:
            pytest.fail(f"Redis is required in CI: {error}")
        pytest.skip(f"Redis not reachable at {redis_url()} ({error})")
    client.flushdb()
    return redis_url()


def database_url(backend) -> str:
    kind, engine = backend
    return f"sqlite:///{engine.path}" if kind == "sqlite" else postgres_url()


class Workers:
    """`parapheur worker` processes (dramatiq CLI on our entry module), killed at will."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        log = open(self.log_dir / f"worker-{len(self.processes)}.log", "w")  # noqa: SIM115 (kept for the test)
        process = subprocess.Popen(
            [sys.executable, "-m", "dramatiq", "parapheur.worker", "--processes", "1", "--threads", "2",
             "--queues", "parapheur"],
            env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)  # the dramatiq parent and its worker process
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)

    def logs(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.log_dir.glob("worker-*.log")))


@pytest.fixture
def workers(backend, demo, redis_broker_url, smtp_server, tmp_path):
    env = {
        **os.environ,
        "PARAPHEUR_DATABASE_URL": database_url(backend),
        "PARAPHEUR_BROKER_URL": redis_broker_url,
        "PARAPHEUR_SMTP_URL": f"smtp://127.0.0.1:{smtp_server.port}?from=achats@demo.example",
        "PARAPHEUR_JOB_LEASE_SECONDS": "3",
        "PARAPHEUR_RELAY_INTERVAL_SECONDS": "0.1",
        "PARAPHEUR_REDISPATCH_AFTER_SECONDS": "2",
        "PARAPHEUR_JOB_BACKOFF_SECONDS": "0.2",
    }
    pool = Workers(env, tmp_path)
    yield pool
    pool.stop_all()


async def wait_for(predicate, what: str, workers: Workers, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}; worker logs:\n{workers.logs()}")


async def running(action: str) -> bool:
    return await OutboxJob.exists().where((OutboxJob.action == action) & (OutboxJob.status == "RUNNING"))


async def _approved_request(circuit, demo) -> int:
    request = await circuit.submitted(total_ht=1500)
    await circuit.approved_by("bob", request["id"])
    return int(request["id"])


async def _assert_effect_once(demo: int, request_id: int, smtp_server) -> None:
    jobs = await until_idle(timeout=60)
    assert [(j["action"], j["status"]) for j in jobs] == [
        ("generate_purchase_order", "SUCCEEDED"), ("email_supplier", "SUCCEEDED")]
    orders = await targets(demo, request_id, "purchase_order")
    assert len(orders) == 1
    assert await Document.count().where(Document.number.like("BC-%")) == 1
    assert await Link.count() == 1
    assert (await Document.select(Document.state).where(Document.id == request_id).first())["state"] == "ordered"
    message_ids = {m["Message-ID"] for m in smtp_server.inbox.messages}
    assert len(message_ids) == 1, "one e-mail (a resend after a crash carries the same Message-ID)"


@pytest.mark.parametrize("round_", range(3))
async def test_worker_killed_while_generating_the_order_completes_it_once(
    backend, circuit, demo, workers, smtp_server, round_
):
    """The worker is killed inside the order's transaction, while it waits on the number
    counter that the test holds locked from another connection."""
    kind, engine = backend
    if kind == "sqlite":
        pytest.skip("SQLite has one writer: a transaction cannot be held open mid-way from outside; "
                    "the e-mail crash test runs on SQLite")
    request_id = await _approved_request(circuit, demo)
    blocker = await _block_writes(kind, engine)
    try:
        first = workers.start()
        await wait_for(lambda: running("generate_purchase_order"), "the order job to start", workers)
        await asyncio.sleep(0.2 * round_)
        workers.kill(first)
    finally:
        await blocker.release()
    workers.start()
    await _assert_effect_once(demo, request_id, smtp_server)


@pytest.mark.parametrize("round_", range(3))
async def test_worker_killed_while_mailing_the_supplier_sends_one_message_id(
    circuit, demo, workers, smtp_server, round_
):
    """The SMTP server holds the DATA answer: the worker dies mid-conversation."""
    smtp_server.inbox.delay = 2.0
    request_id = await _approved_request(circuit, demo)
    first = workers.start()
    await wait_for(lambda: running("email_supplier"), "the e-mail job to start", workers)
    await asyncio.sleep(0.3 + 0.3 * round_)
    workers.kill(first)
    smtp_server.inbox.delay = 0
    workers.start()
    await _assert_effect_once(demo, request_id, smtp_server)


class _Blocker:
    def __init__(self, release):
        self.release = release


async def _block_writes(kind: str, engine) -> _Blocker:
    """Hold the number counter (the order's last step) from a separate connection."""
    connection = await asyncpg.connect(postgres_url().replace("postgresql://", "postgres://", 1))
    transaction = connection.transaction()
    await transaction.start()
    await connection.execute("LOCK TABLE number_counter IN EXCLUSIVE MODE")

    async def release_postgres() -> None:
        await transaction.rollback()
        await connection.close()

    return _Blocker(release_postgres)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_transitions_while_the_broker_is_down_lose_nothing(circuit, demo, database, tmp_path):
    """Documents move while Redis is unreachable; their jobs wait in the outbox and run once
    a Redis server answers on that address."""
    from jobs.actions import ACTIONS
    from jobs.brokers import make_broker
    from jobs.connectors.mail import InMemoryMailer
    from jobs.services import Services
    from jobs.system import JobSystem
    from tests.jobs.test_purchase_flow import FAST

    server_binary = shutil.which("redis-server")
    if server_binary is None:
        if IN_CI:
            pytest.fail("redis-server is required in CI for the broker outage test")
        pytest.skip("no redis-server binary to start a broker later")
    port = free_port()
    mailer = InMemoryMailer(default_sender="achats@demo.example")
    system = JobSystem(make_broker(f"redis://127.0.0.1:{port}/0"), ACTIONS, Services(policy=FAST, mailer=mailer))
    await system.start(run_workers=True)
    server = None
    try:
        requests = [await circuit.submitted(total_ht=900 + i) for i in range(3)]
        for request in requests:
            await circuit.approved_by("bob", request["id"])
        await asyncio.sleep(1.0)  # the relay tries, and fails, many times meanwhile
        waiting = await OutboxJob.select(OutboxJob.status)
        assert [j["status"] for j in waiting] == ["PENDING"] * 3
        server = subprocess.Popen([server_binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        jobs = await until_idle(timeout=60)
        assert sorted((j["action"], j["status"]) for j in jobs) == sorted(
            [("generate_purchase_order", "SUCCEEDED")] * 3 + [("email_supplier", "SUCCEEDED")] * 3)
        assert len(mailer.sent) == 3
    finally:
        await system.stop()
        if server is not None:
            server.terminate()
            server.wait(timeout=10)

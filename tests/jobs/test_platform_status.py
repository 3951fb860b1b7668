"""A sent customer invoice follows its flow on the e-invoicing platform (a real local HTTP server
whose flow moves on at each status request), on both databases: each new status lands on the
document and in its history, a final one moves the invoice, and polling then stops."""

import asyncio
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from dramatiq.brokers.stub import StubBroker
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from jobs.actions import ACTIONS
from jobs.connectors.webhooks import InMemoryWebhookSender
from jobs.poller import PlatformPoller
from jobs.services import Services
from jobs.system import JobSystem
from models import history, platform_status
from models.catalogs import ensure_catalog, put_entry
from models.database import write_transaction
from models.tables import Document, Organisation, OutboxJob
from tests.jobs.connectors.test_platforms import API_KEY, FakePlatformApi
from tests.jobs.test_invoice_flow import ACT, CUSTOMER, SELLER, _validated
from tests.jobs.test_purchase_flow import FAST

POLL_SECONDS = 0.2
DOCUMENT = """query($id: ID!) { document(id: $id) { state version
  platformStatus { flowId status meaning final }
  history { actor action fromState toState comment } } }"""


@dataclass
class LifecycleApi(FakePlatformApi):
    """The platform's flows API; each status request answers the flow's status, then moves the
    flow to the next status of `script`. While `down`, status requests get 503."""

    script: list[str] = field(default_factory=list)
    down: bool = False
    status_requests: int = 0

    async def status(self, request: Request) -> Response:
        self.status_requests += 1
        if self.down:
            return PlainTextResponse("Service Unavailable", status_code=503)
        answer = await super().status(request)
        flow = self.flows.get(request.path_params["flow_id"])
        if flow is not None and self.script:
            flow["status"] = self.script.pop(0)
        return answer


@pytest.fixture
async def platform(demo, serve) -> LifecycleApi:
    api = LifecycleApi()
    config = {"kind": "http", "url": serve(api.app()) + "/api/v1", "api_key": API_KEY,
              "allow_http_hosts": ["127.0.0.1"]}
    await Organisation.update({Organisation.legal: json.dumps(SELLER),
                               Organisation.einvoicing_platform: json.dumps(config)}).where(Organisation.id == demo)
    customers = await ensure_catalog(demo, "customers", "Customers")
    await put_entry(demo, customers, "LEA", "Boulangerie Léa", CUSTOMER)
    return api


async def _job_system(poll_seconds: float):
    services = Services(policy=replace(FAST, platform_poll_seconds=poll_seconds),
                        webhook_sender=InMemoryWebhookSender())
    system = JobSystem(StubBroker(), ACTIONS, services)
    await system.start(run_workers=True)
    return system


@pytest.fixture
async def polling(platform):
    """The job system with a poll every POLL_SECONDS."""
    system = await _job_system(POLL_SECONDS)
    yield system
    await system.stop()


@pytest.fixture
async def sent_invoice(api, platform) -> int:
    """An invoice the platform received, then no job system: the tests tick pollers themselves
    and the polls they queue stay queued."""
    system = await _job_system(0)
    try:
        return await _sent(api)
    finally:
        await system.stop()


async def until(condition, what: str, timeout: float = 30):
    """Poll the database until `condition()` returns something truthy; returns it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if found := await condition():
            return found
        await asyncio.sleep(0.05)
    jobs = await OutboxJob.select(OutboxJob.action, OutboxJob.status, OutboxJob.last_error)
    pytest.fail(f"{what}: not after {timeout} s; jobs: {jobs}")


async def _jobs(action: str) -> list[dict]:
    return await OutboxJob.select().where(OutboxJob.action == action).order_by(OutboxJob.id)


async def _sent(api) -> int:
    """A validated invoice, converted, marked sent and received by the platform; its id."""
    invoice_id = await _validated(api)

    async def converted():
        return [j for j in await _jobs("convert_to_ubl") if j["status"] == "SUCCEEDED"]

    await until(converted, "the UBL conversion")
    sent = await api(ACT, {"id": invoice_id, "action": "mark_sent"}, user="erin")
    assert sent["data"]["transition"]["document"]["state"] == "sent", sent

    async def submitted():
        return [j for j in await _jobs("send_to_platform") if j["status"] == "SUCCEEDED"]

    await until(submitted, "the submission to the platform")
    return int(invoice_id)


async def _document(api, invoice_id: int) -> dict:
    body = await api(DOCUMENT, {"id": str(invoice_id)}, user="erin")
    return body["data"]["document"]


async def _state(invoice_id: int) -> str:
    return (await Document.select(Document.state).where(Document.id == invoice_id).first())["state"]


def _platform_entries(document: dict) -> list[tuple[str | None, str]]:
    return [(e["actor"], e["comment"]) for e in document["history"] if e["action"] == "platform_status"]


async def _chain_holds(invoice_id: int) -> bool:
    row = await Document.select(Document.organisation).where(Document.id == invoice_id).first()
    return history.verify_chain(await history.entries_of(row["organisation"], [invoice_id])).ok


async def test_platform_rejection_moves_the_invoice_to_rejected_by_platform_in_the_history(api, platform, polling):
    platform.script = ["Mise à disposition", "Rejetée"]
    invoice_id = await _sent(api)

    async def rejected():
        return await _state(invoice_id) == "rejected_by_platform"

    await until(rejected, "the invoice moved by the platform's rejection")
    document = await _document(api, invoice_id)
    assert document["platformStatus"] == {"flowId": "FL-000001", "status": "Rejetée", "meaning": "rejected",
                                          "final": True}
    assert _platform_entries(document) == [
        (None, "e-invoicing platform, flow FL-000001: Deposee (deposited)"),
        (None, "e-invoicing platform, flow FL-000001: Mise à disposition (in_progress)"),
        (None, "e-invoicing platform, flow FL-000001: Rejetée (rejected, final)"),
    ]  # the first answer to a status request repeated the submission's Deposee: nothing new was written
    last = document["history"][-1]
    assert (last["actor"], last["action"], last["fromState"], last["toState"]) == (
        None, "record_rejection", "sent", "rejected_by_platform")
    assert "Rejetée" in last["comment"]
    assert await _chain_holds(invoice_id)
    back = await api(ACT, {"id": str(invoice_id), "action": "correct"}, user="erin")
    assert back["data"]["transition"]["document"]["state"] == "draft"


async def test_platform_payment_marks_the_invoice_paid_and_polling_stops(api, platform, polling):
    platform.script = ["Encaissée"]
    invoice_id = await _sent(api)

    async def paid():
        return await _state(invoice_id) == "paid"

    await until(paid, "the invoice marked paid by the platform")
    document = await _document(api, invoice_id)
    assert document["platformStatus"]["meaning"] == "paid" and document["platformStatus"]["final"]
    assert [(e["actor"], e["action"], e["toState"]) for e in document["history"][-2:]] == [
        (None, "platform_status", "sent"), (None, "mark_paid", "paid"),
    ]
    assert await _chain_holds(invoice_id)
    requests, polls = platform.status_requests, len(await _jobs("poll_platform_status"))
    await asyncio.sleep(POLL_SECONDS * 5)
    assert (platform.status_requests, len(await _jobs("poll_platform_status"))) == (requests, polls)
    row = await Document.select(Document.platform_polling).where(Document.id == invoice_id).first()
    assert row["platform_polling"] is False


async def test_unchanged_status_writes_nothing_new(api, platform, polling):
    invoice_id = await _sent(api)
    before = await _document(api, invoice_id)

    async def polled_thrice():
        done = [j for j in await _jobs("poll_platform_status") if j["status"] == "SUCCEEDED"]
        return platform.status_requests >= 3 and len(done) == 1 and done

    [latest] = await until(polled_thrice, "three polls answered, the latest kept")
    assert json.loads(latest["result"])["changed"] is False
    assert json.loads(latest["result"])["status"] == "Deposee"
    after = await _document(api, invoice_id)
    assert (after["version"], after["history"], after["state"]) == (before["version"], before["history"], "sent")
    assert after["platformStatus"] == {"flowId": "FL-000001", "status": "Deposee", "meaning": "deposited",
                                       "final": False}


async def test_platform_down_retries_then_fails_with_the_error_and_leaves_the_invoice(api, platform, polling):
    invoice_id = await _sent(api)
    before = await _document(api, invoice_id)
    platform.down = True

    async def failed():
        return [j for j in await _jobs("poll_platform_status") if j["status"] == "FAILED"]

    [first, *_] = await until(failed, "a poll given up")
    assert first["attempts"] == FAST.max_attempts
    assert "HTTP 503" in first["last_error"] and f"gave up after {FAST.max_attempts} attempts" in first["last_error"]
    assert await _document(api, invoice_id) == before
    body = await api("query($id: ID!) { document(id: $id) { jobs { action status lastError } } }",
                     {"id": str(invoice_id)}, user="erin")
    shown = [j for j in body["data"]["document"]["jobs"] if j["action"] == "poll_platform_status"]
    assert any(j["status"] == "FAILED" and "HTTP 503" in j["lastError"] for j in shown)
    platform.down = False
    platform.script = ["Encaissée"]

    async def paid():
        return await _state(invoice_id) == "paid"

    await until(paid, "the next slot's poll once the platform is back")


async def test_two_pollers_queue_one_poll_per_slot(sent_invoice):
    now = datetime.now(UTC)
    first, second = PlatformPoller(60), PlatformPoller(60)

    queued = await asyncio.gather(first.tick(now), second.tick(now), first.tick(now), second.tick(now))

    assert sum(queued) == 1
    [poll] = await _jobs("poll_platform_status")
    assert (poll["document"], poll["expected_state"], poll["status"]) == (sent_invoice, "sent", "PENDING")
    assert json.loads(poll["payload"]) == {"flow_id": "FL-000001"}
    assert await first.tick(now + timedelta(seconds=60)) == 0  # the last slot's poll has not run yet
    system = await _job_system(0)
    try:
        async def polled():
            return [j for j in await _jobs("poll_platform_status") if j["status"] == "SUCCEEDED"]

        await until(polled, "the queued poll")
        assert await first.tick(now) == 0  # done, and its slot's key is taken
        later = now + timedelta(seconds=60)
        assert sum(await asyncio.gather(first.tick(later), second.tick(later))) == 1
    finally:
        await system.stop()


async def test_organisation_without_platform_is_not_polled(demo, sent_invoice):
    await Organisation.update({Organisation.einvoicing_platform: None}).where(Organisation.id == demo)

    assert await PlatformPoller(60).tick() == 0
    assert await _jobs("poll_platform_status") == []


async def test_invoice_marked_paid_by_hand_is_no_longer_polled(api, sent_invoice):
    paid = await api(ACT, {"id": str(sent_invoice), "action": "mark_paid"}, user="erin")
    assert paid["data"]["transition"]["document"]["state"] == "paid"

    assert await PlatformPoller(60).tick() == 0
    assert await PlatformPoller(60).tick(datetime.now(UTC) + timedelta(minutes=5)) == 0
    assert await _jobs("poll_platform_status") == []
    row = await Document.select(Document.platform_polling).where(Document.id == sent_invoice).first()
    assert row["platform_polling"] is False


async def test_status_of_a_flow_the_invoice_no_longer_follows_writes_nothing(demo, sent_invoice):
    before = await Document.select().where(Document.id == sent_invoice).first()

    async with write_transaction():
        stale = await platform_status.record(demo, sent_invoice, "FL-000000", "Rejetée")

    assert not stale.changed
    assert await Document.select().where(Document.id == sent_invoice).first() == before

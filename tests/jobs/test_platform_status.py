"""A sent customer invoice follows its flow on a local AFNOR platform (every request and answer
checked against the Flow Service OpenAPI), on both databases: the acknowledgement is recorded
but never moves the invoice; CDAR status flows the platform delivers do (refused, rejected,
cancelled, paid), each recorded in the history and the lifecycle; marking the invoice paid
sends a CDAR 212; bad flows and a platform that is down or slow end in a clear job error and a
retry, never a wrong state."""

import asyncio
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from dramatiq.brokers.stub import StubBroker
from lxml import etree

from jobs import cdar
from jobs.actions import ACTIONS
from jobs.actions.payment_status import payments
from jobs.connectors.webhooks import InMemoryWebhookSender
from jobs.poller import PlatformPoller
from jobs.services import Services
from jobs.system import JobSystem
from models import attachments, history, platform_status
from models.catalogs import ensure_catalog, put_entry
from models.database import write_transaction
from models.platform_status import Direction
from models.records import DocumentRecord
from models.tables import Document, Organisation, OutboxJob
from rules.lifecycle import UNKNOWN_GIVE_UP_SLOTS, meaning
from tests.jobs.connectors.afnor_stub import API_KEY, PREFIX, AfnorPlatform
from tests.jobs.test_invoice_flow import ACT, CUSTOMER, SELLER, _validated
from tests.jobs.test_purchase_flow import FAST

POLL_SECONDS = 0.2
DOCUMENT = """query($id: ID!) { document(id: $id) { state version
  platformStatus { flowId status meaning final }
  history { actor action fromState toState comment } } }"""
UBL_NS = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
          "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}


@pytest.fixture
async def platform(demo, serve) -> AfnorPlatform:
    api = AfnorPlatform()
    config = {"kind": "http", "url": serve(api.app()) + PREFIX, "api_key": API_KEY,
              "allow_http_hosts": ["127.0.0.1"], "timeout": 2}
    await Organisation.update({Organisation.legal: json.dumps(SELLER),
                               Organisation.einvoicing_platform: json.dumps(config)}).where(Organisation.id == demo)
    customers = await ensure_catalog(demo, "customers", "Customers")
    await put_entry(demo, customers, "LEA", "Boulangerie Léa", CUSTOMER)
    yield api
    assert api.violations == []


async def _job_system(poll_seconds: float):
    services = Services(policy=replace(FAST, platform_poll_seconds=poll_seconds),
                        webhook_sender=InMemoryWebhookSender())
    system = JobSystem(StubBroker(), ACTIONS, services)
    await system.start(run_workers=True)
    return system


@pytest.fixture
async def polling(platform):
    """The job system with a poll and a listing of received flows every POLL_SECONDS."""
    system = await _job_system(POLL_SECONDS)
    yield system
    await system.stop()


@pytest.fixture
async def sent_invoice(api, platform) -> int:
    """An invoice the platform received, then no job system: the tests tick pollers themselves."""
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


async def _finished(action: str, status: str = "SUCCEEDED") -> list[dict]:
    return [job for job in await _jobs(action) if job["status"] == status]


async def _sent(api) -> int:
    """A validated invoice, converted, marked sent and received by the platform; its id."""
    invoice_id = await _validated(api)
    await until(lambda: _finished("convert_to_ubl"), "the UBL conversion")
    sent = await api(ACT, {"id": invoice_id, "action": "mark_sent"}, user="erin")
    assert sent["data"]["transition"]["document"]["state"] == "sent", sent
    await until(lambda: _finished("send_to_platform"), "the submission to the platform")
    return int(invoice_id)


async def _row(invoice_id: int) -> DocumentRecord:
    return DocumentRecord.of(await Document.select().where(Document.id == invoice_id).first())


async def _state(invoice_id: int) -> str:
    return (await _row(invoice_id)).state


async def _document(api, invoice_id: int) -> dict:
    body = await api(DOCUMENT, {"id": str(invoice_id)}, user="erin")
    return body["data"]["document"]


async def _status_flow(platform: AfnorPlatform, invoice_id: int, code: str, **changes) -> str:
    """The platform delivers a CDAR status about our invoice; returns the flow id."""
    row = await _row(invoice_id)
    organisation = await Organisation.select().where(Organisation.id == row.organisation_id).first()
    data = row.data
    fields = dict(
        message_id=f"PA-{code}-{invoice_id}", issued_at=datetime.now(UTC).replace(microsecond=0), code=code,
        invoice_number=row.number, invoice_issue_date=date.fromisoformat(data["issue_date"]),
        seller=cdar.Party(organisation["siren"], organisation["name"]),
        buyer=cdar.Party(CUSTOMER["siren"], CUSTOMER["name"]))
    message = cdar.StatusMessage(**{**fields, **changes})
    return platform.deliver(cdar.build(message), syntax="CDAR", flow_type="CustomerInvoiceLC")


async def _chain_holds(invoice_id: int) -> bool:
    row = await Document.select(Document.organisation).where(Document.id == invoice_id).first()
    return history.verify_chain(await history.entries_of(row["organisation"], [invoice_id])).ok


# --- statuses delivered by the platform move the invoice ----------------------------------------


@pytest.mark.parametrize(
    "code, changes, state, action",
    [
        ("213", {"reason_code": "REJ_SEMAN"}, "rejected_by_platform", "record_rejection"),
        ("210", {"reason_code": "DOUBLON", "reason_text": "déjà reçue"}, "rejected_by_platform", "record_refusal"),
        ("220", {}, "cancelled", "record_cancellation"),
        ("212", {"payments": (cdar.Payment(Decimal("10.00"), Decimal("20")),)}, "paid", "mark_paid"),
    ],
)
async def test_a_delivered_status_flow_moves_the_invoice_and_is_recorded(api, platform, polling, code, changes,
                                                                         state, action):
    invoice_id = await _sent(api)
    flow_id = await _status_flow(platform, invoice_id, code, **changes)

    async def moved():
        return await _state(invoice_id) == state

    await until(moved, f"the invoice moved by the platform's {code}")
    document = await _document(api, invoice_id)
    assert document["platformStatus"]["meaning"] == meaning(code).key
    assert document["platformStatus"]["final"] is True
    last = document["history"][-1]
    assert (last["actor"], last["action"], last["fromState"], last["toState"]) == (None, action, "sent", state)
    recorded = document["history"][-2]
    assert recorded["action"] == "platform_status" and f"received in flow {flow_id}: {code}" in recorded["comment"]
    if changes.get("reason_code"):
        assert changes["reason_code"] in recorded["comment"]
    [entry] = [e for e in platform_status.lifecycle(await _row(invoice_id)) if e.direction is Direction.RECEIVED]
    assert (entry.code, entry.flow_id) == (code, flow_id)
    assert await _chain_holds(invoice_id)


async def test_a_status_after_payment_is_recorded_though_the_invoice_stays_paid(api, platform, polling):
    invoice_id = await _sent(api)
    await _status_flow(platform, invoice_id, "212", payments=(cdar.Payment(Decimal("10.00"), Decimal("20")),))
    await until(lambda: _finished("apply_received_status"), "the payment")
    dispute = await _status_flow(platform, invoice_id, "207", reason_code="QTE_ERR")

    async def disputed():
        return [e for e in platform_status.lifecycle(await _row(invoice_id)) if e.flow_id == dispute]

    await until(disputed, "the dispute recorded")
    assert await _state(invoice_id) == "paid"
    assert [e.code for e in platform_status.lifecycle(await _row(invoice_id))] == ["212", "207"]


async def test_the_acknowledgement_is_recorded_but_never_moves_the_invoice(api, platform, polling):
    invoice_id = await _sent(api)
    [flow_id] = [i for i, flow in platform.flows.items() if flow["flowDirection"] == "Out"]
    platform.acknowledge(flow_id, "Error", [{"level": "Error", "item": "file", "reasonCode": "BR-FR-XSD",
                                             "reasonMessage": "not UBL"}])

    async def acknowledged():
        return (await _document(api, invoice_id))["platformStatus"]["meaning"] == "acknowledgement_error"

    await until(acknowledged, "the acknowledgement recorded")
    assert await _state(invoice_id) == "sent"
    assert (await _row(invoice_id)).platform_polling is False  # nothing more will come for this file


# --- what we send -------------------------------------------------------------------------------


async def test_marking_paid_sends_a_valid_cdar_212_with_the_amounts_cashed_per_vat_rate(api, demo, platform, polling):
    invoice_id = await _sent(api)

    paid = await api(ACT, {"id": str(invoice_id), "action": "mark_paid"}, user="erin")
    assert paid["data"]["transition"]["document"]["state"] == "paid"
    [job] = await until(lambda: _finished("send_payment_status"), "the 212 sent")

    [status_flow] = [i for i, flow in platform.flows.items() if flow.get("flowSyntax") == "CDAR"]
    message = cdar.parse(platform.files[status_flow])
    ubl = etree.fromstring(bytes((await attachments.latest(demo, invoice_id, "ubl")).content))
    expected = sorted(
        (Decimal(sub.findtext("cbc:TaxableAmount", namespaces=UBL_NS)) + Decimal(sub.findtext("cbc:TaxAmount",
         namespaces=UBL_NS)), Decimal(sub.findtext("cac:TaxCategory/cbc:Percent", namespaces=UBL_NS)))
        for sub in ubl.iterfind("cac:TaxTotal/cac:TaxSubtotal", UBL_NS))
    assert sorted((p.amount, p.vat_rate) for p in message.payments) == expected
    assert (message.code, message.invoice_number, message.sender.value) == ("212", (await _row(invoice_id)).number,
                                                                            "seller")
    assert json.loads(job["result"])["flow_id"] == status_flow
    [entry] = platform_status.lifecycle(await _row(invoice_id))
    assert (entry.code, entry.direction, entry.flow_id) == ("212", Direction.SENT, status_flow)


async def test_paid_by_a_delivered_212_sends_no_212_back(api, platform, polling):
    invoice_id = await _sent(api)
    await _status_flow(platform, invoice_id, "212", payments=(cdar.Payment(Decimal("10.00"), Decimal("20")),))

    [job] = await until(lambda: _finished("send_payment_status"), "the payment status job")

    assert "delivered the 212" in json.loads(job["result"])["skipped"]
    assert not [flow for flow in platform.flows.values() if flow.get("flowSyntax") == "CDAR"
                and flow["flowDirection"] == "Out"]


def test_a_partial_payment_lists_what_was_cashed_per_vat_rate():
    data = {"payments": [{"amount": "60", "vat_rate": "20"}, {"amount": 10.55, "vat_rate": 5.5}]}

    assert payments(data, "FA-1") == (cdar.Payment(Decimal("60.00"), Decimal("20")),
                                      cdar.Payment(Decimal("10.55"), Decimal("5.5")))


# --- bad input and a platform in trouble --------------------------------------------------------


XXE = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm="' + cdar.RSM.encode() + b'">&x;'
       b'</rsm:CrossDomainAcknowledgementAndResponse>')


@pytest.mark.parametrize("content, complaint", [(b"<broken", "not well-formed XML"),
                                                 (XXE, "DOCTYPE or ENTITY declaration"),
                                                 (b"<Invoice/>", "root element is Invoice")])
async def test_a_flow_that_is_no_valid_cdar_fails_its_job_and_changes_nothing(api, platform, polling, content,
                                                                              complaint):
    invoice_id = await _sent(api)
    before = await _row(invoice_id)
    flow_id = platform.deliver(content, syntax="CDAR", flow_type="CustomerInvoiceLC")

    [failed] = await until(lambda: _finished("apply_received_status", "FAILED"), "the bad flow refused")

    assert f"received flow {flow_id}" in failed["last_error"] and complaint in failed["last_error"]
    assert failed["attempts"] == 1  # retrying cannot help
    after = await _row(invoice_id)
    assert (after.state, after.version) == (before.state, before.version)


async def test_a_status_about_no_invoice_of_ours_fails_naming_the_number(api, platform, polling):
    invoice_id = await _sent(api)
    await _status_flow(platform, invoice_id, "210", reason_code="DOUBLON", invoice_number="FA-1999-00001")

    [failed] = await until(lambda: _finished("apply_received_status", "FAILED"), "the stray status refused")

    assert "'FA-1999-00001'" in failed["last_error"] and "no customer invoice of ours" in failed["last_error"]
    assert await _state(invoice_id) == "sent"


async def test_platform_down_retries_the_listing_then_takes_the_status_once_back(api, platform, polling):
    invoice_id = await _sent(api)
    platform.down = True
    await _status_flow(platform, invoice_id, "213", reason_code="REJ_SEMAN")

    [first, *_] = await until(lambda: _finished("fetch_received_flows", "FAILED"), "a listing given up")

    assert "HTTP 503" in first["last_error"] and f"gave up after {FAST.max_attempts} attempts" in first["last_error"]
    assert await _state(invoice_id) == "sent"
    platform.down = False

    async def rejected():
        return await _state(invoice_id) == "rejected_by_platform"

    await until(rejected, "the next slot's listing once the platform is back")


async def test_a_slow_platform_makes_the_job_retry_and_leaves_the_invoice(api, platform, polling):
    invoice_id = await _sent(api)
    platform.slow_seconds = 3  # beyond the configured 2 s timeout

    async def retried():
        return [j for j in await _jobs("fetch_received_flows") if "no answer within 2 s" in (j["last_error"] or "")]

    await until(retried, "a listing that timed out")
    assert await _state(invoice_id) == "sent"


async def test_the_same_status_flow_listed_twice_is_taken_once(api, demo, platform, sent_invoice):
    await _status_flow(platform, sent_invoice, "205")
    system = await _job_system(0)
    try:
        poller = PlatformPoller(60)
        now = datetime.now(UTC)
        assert await poller.tick_received(now) == 1
        await until(lambda: _finished("apply_received_status"), "the first listing")
        await OutboxJob.delete().where(OutboxJob.action == "fetch_received_flows")  # forget the cursor
        assert await poller.tick_received(now + timedelta(seconds=60)) == 1
        await until(lambda: _finished("fetch_received_flows"), "the second listing")
    finally:
        await system.stop()
    assert len(await _jobs("apply_received_status")) == 1
    assert [e.code for e in platform_status.lifecycle(await _row(sent_invoice))] == ["205"]


# --- polling ------------------------------------------------------------------------------------


async def test_two_pollers_queue_one_poll_per_slot(sent_invoice):
    now = datetime.now(UTC)
    first, second = PlatformPoller(60), PlatformPoller(60)

    queued = await asyncio.gather(first.tick(now), second.tick(now), first.tick(now), second.tick(now))

    assert sum(queued) == 1
    [poll] = await _jobs("poll_platform_status")
    assert (poll["document"], poll["expected_state"], poll["status"]) == (sent_invoice, "sent", "PENDING")
    assert json.loads(poll["payload"]) == {"flow_id": "FL-000001"}
    assert await first.tick(now + timedelta(seconds=60)) == 0  # the last slot's poll has not run yet


async def test_organisation_without_platform_is_not_polled(demo, sent_invoice):
    await Organisation.update({Organisation.einvoicing_platform: None}).where(Organisation.id == demo)

    assert await PlatformPoller(60).tick() == 0
    assert await PlatformPoller(60).tick_received() == 0
    assert await _jobs("poll_platform_status") == []


async def test_invoice_marked_paid_by_hand_is_no_longer_polled(api, sent_invoice):
    paid = await api(ACT, {"id": str(sent_invoice), "action": "mark_paid"}, user="erin")
    assert paid["data"]["transition"]["document"]["state"] == "paid"

    assert await PlatformPoller(60).tick() == 0
    assert await PlatformPoller(60).tick(datetime.now(UTC) + timedelta(minutes=5)) == 0
    assert await _jobs("poll_platform_status") == []
    assert (await _row(sent_invoice)).platform_polling is False


async def test_a_status_nobody_knows_is_polled_for_a_while_then_given_up(demo, sent_invoice):
    async with write_transaction():
        await platform_status.record(demo, sent_invoice, "FL-000001", "Quarantaine")
    now = datetime.now(UTC)

    assert await PlatformPoller(60).tick(now) == 1
    later = now + timedelta(seconds=60 * (UNKNOWN_GIVE_UP_SLOTS + 1))
    assert await PlatformPoller(60).tick(later) == 0
    assert (await _row(sent_invoice)).platform_polling is False
    assert (await _row(sent_invoice)).platform_status["meaning"] == "unknown"


async def test_status_of_a_flow_the_invoice_no_longer_follows_writes_nothing(demo, sent_invoice):
    before = await _row(sent_invoice)

    async with write_transaction():
        stale = await platform_status.record(demo, sent_invoice, "FL-000000", "Rejetée")

    assert not stale.changed
    assert await _row(sent_invoice) == before

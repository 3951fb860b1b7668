"""A validated customer invoice becomes an EN 16931 UBL file, and `mark_sent` hands it to the
organisation's e-invoicing platform (a real local HTTP server), on both databases."""

import json
from dataclasses import replace

import pytest
from dramatiq.brokers.stub import StubBroker

from jobs.actions import ACTIONS
from jobs.connectors.webhooks import InMemoryWebhookSender
from jobs.en16931 import validate_ubl
from jobs.services import Services
from jobs.system import JobSystem
from models import attachments
from models.catalogs import ensure_catalog, put_entry
from models.tables import Document, Organisation
from tests.jobs.connectors.afnor_stub import PREFIX
from tests.jobs.connectors.test_platforms import API_KEY, FakePlatformApi
from tests.jobs.test_purchase_flow import FAST, until_idle

SELLER = {"vat_number": "FR44552081317",
          "address": {"street": "1 rue de la Paix", "city": "Paris", "postal_code": "75002", "country": "FR"}}
CUSTOMER = {"name": "Boulangerie Léa & Fils", "siren": "552100554", "vat_number": "FR12552100554",
            "address": {"street": "2 avenue Foch", "city": "Lyon", "postal_code": "69006", "country": "FR"}}

CREATE = """mutation($data: JSON!) { createDocument(input: {documentType: "customer_invoice", data: $data}) {
  __typename ... on DocumentPayload { document { id number } }
  ... on ValidationFailed { errors { path message } } } }"""
ACT = """mutation($id: ID!, $action: String!) { transition(input: {id: $id, action: $action}) {
  __typename ... on DocumentPayload { document { state } } ... on ActionRefused { message } } }"""


@pytest.fixture
async def platform(demo, serve):
    api = FakePlatformApi()
    base = serve(api.app()) + PREFIX
    config = {"kind": "http", "url": base, "api_key": API_KEY, "allow_http_hosts": ["127.0.0.1"]}
    await Organisation.update({Organisation.legal: json.dumps(SELLER),
                               Organisation.einvoicing_platform: json.dumps(config)}).where(Organisation.id == demo)
    customers = await ensure_catalog(demo, "customers", "Customers")
    await put_entry(demo, customers, "LEA", "Boulangerie Léa", CUSTOMER)
    api.config = config  # type: ignore[attr-defined]
    return api


@pytest.fixture
async def job_system(platform):
    # No poller: these tests count the jobs the invoice queues, not the platform's listings.
    policy = replace(FAST, platform_poll_seconds=0)
    system = JobSystem(StubBroker(), ACTIONS, Services(policy=policy, webhook_sender=InMemoryWebhookSender()))
    await system.start(run_workers=True)
    yield system
    await system.stop()


def invoice_data(**overrides):
    return {
        "customer": "LEA",
        "issue_date": "2026-11-29",
        "due_date": "2026-12-29",
        "payment_terms": "30 jours net",
        "lines": [
            {"description": "Pain de campagne", "quantity": 120, "unit_price": 2.35, "vat_category": "S",
             "vat_rate": 5.5},
            {"description": "Maintenance four", "quantity": 1, "unit_price": 480, "vat_category": "S",
             "vat_rate": 20},
        ],
        **overrides,
    }


async def _validated(api) -> str:
    created = await api(CREATE, {"data": invoice_data()}, user="erin")
    document = created["data"]["createDocument"]
    assert document["__typename"] == "DocumentPayload", document
    validated = await api(ACT, {"id": document["document"]["id"], "action": "validate"}, user="erin")
    assert validated["data"]["transition"]["document"]["state"] == "validated"
    return document["document"]["id"]


async def test_validated_invoice_becomes_a_clean_ubl_then_reaches_the_platform(api, demo, platform, job_system):
    invoice_id = await _validated(api)
    [conversion] = await until_idle()
    assert conversion["status"] == "SUCCEEDED", conversion["last_error"]
    ubl = await attachments.latest(demo, int(invoice_id), "ubl")
    report = validate_ubl(bytes(ubl.content))
    assert report.ok and report.fatal == []
    sent = await api(ACT, {"id": invoice_id, "action": "mark_sent"}, user="erin")
    assert sent["data"]["transition"]["document"]["state"] == "sent"
    jobs = await until_idle()
    submission = next(j for j in jobs if j["action"] == "send_to_platform")
    assert submission["status"] == "SUCCEEDED", submission["last_error"]
    [flow_id] = platform.flows
    assert json.loads(submission["result"])["flow_id"] == flow_id
    assert platform.files[flow_id] == bytes(ubl.content)
    assert platform.received[0]["idempotency_key"] == submission["idempotency_key"]


async def test_ubl_is_downloadable_by_who_sees_the_invoice_only(api, demo, platform, job_system):
    invoice_id = await _validated(api)
    await until_idle()
    body = await api("query($id: ID!) { document(id: $id) { attachments { kind filename url sha256 } } }",
                     {"id": invoice_id}, user="erin")
    [attachment] = body["data"]["document"]["attachments"]
    assert attachment["kind"] == "ubl"
    token = await api.token("erin")
    response = await api.http.get(attachment["url"], headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert validate_ubl(response.content).ok
    bob = await api.token("bob")
    hidden = await api.http.get(attachment["url"], headers={"Authorization": f"Bearer {bob}"})
    assert hidden.status_code == 404
    anonymous = await api.http.get(attachment["url"])
    assert anonymous.status_code == 401


async def test_invoice_breaking_en16931_fails_and_lists_the_rules(api, demo, platform, job_system, monkeypatch):
    import jobs.actions.ubl as action

    real = action.build_invoice

    def wrong_total(data):  # a builder bug: the payable amount no longer adds up
        return real(data).replace(b"<cbc:PayableAmount currencyID=\"EUR\">", b"<cbc:PayableAmount currencyID=\"EUR\">1")

    monkeypatch.setattr(action, "build_invoice", wrong_total)
    invoice_id = await _validated(api)
    [conversion] = await until_idle()
    assert conversion["status"] == "FAILED"
    assert "BR-CO-16" in conversion["last_error"]
    result = json.loads(conversion["result"])
    assert "BR-CO-16" in {v["rule"] for v in result["violations"]}
    body = await api("query($id: ID!) { document(id: $id) { jobs { status lastError result } attachments { id } } }",
                     {"id": invoice_id}, user="erin")
    document = body["data"]["document"]
    assert document["jobs"][0]["status"] == "FAILED" and "BR-CO-16" in document["jobs"][0]["lastError"]
    assert document["attachments"] == []


async def test_admin_retries_a_failed_job(api, demo, platform, job_system):
    await Organisation.update({Organisation.einvoicing_platform: None}).where(Organisation.id == demo)
    invoice_id = await _validated(api)
    await until_idle()
    await api(ACT, {"id": invoice_id, "action": "mark_sent"}, user="erin")
    jobs = await until_idle()
    failed = next(j for j in jobs if j["action"] == "send_to_platform")
    assert failed["status"] == "FAILED" and "no e-invoicing platform configured" in failed["last_error"]
    retry = 'mutation($id: ID!) { retryJob(id: $id) { status attempts } }'
    refused = await api(retry, {"id": str(failed["id"])}, user="erin")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await Organisation.update({Organisation.einvoicing_platform: json.dumps(platform.config)}).where(
        Organisation.id == demo
    )
    retried = await api(retry, {"id": str(failed["id"])}, user="admin")
    assert retried["data"]["retryJob"]["status"] == "PENDING"
    jobs = await until_idle()
    assert next(j for j in jobs if j["id"] == failed["id"])["status"] == "SUCCEEDED"
    again = await api(retry, {"id": str(failed["id"])}, user="admin")
    assert again["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert (await Document.select(Document.state).where(Document.id == int(invoice_id)).first())["state"] == "sent"


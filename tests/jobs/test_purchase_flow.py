"""Approving a purchase request runs the automated actions end to end, on both databases:
exactly one purchase order (linked, valid Order-X), exactly one e-mail, request `ordered`."""

import asyncio
import json

import pytest
from dramatiq.brokers.stub import StubBroker

from jobs.actions import ACTIONS
from jobs.connectors.mail import SmtpMailer
from jobs.connectors.webhooks import InMemoryWebhookSender
from jobs.orderx import validate_order
from jobs.services import JobPolicy, Services
from jobs.system import JobSystem
from models import attachments, links
from models.catalogs import ensure_catalog, put_entry
from models.tables import CatalogEntry, Document, Link, OutboxJob

FAST = JobPolicy(max_attempts=3, backoff_seconds=0.05, backoff_cap_seconds=0.2, lease_seconds=10,
                 relay_interval_seconds=0.05, redispatch_after_seconds=5)


async def until_idle(timeout: float = 30) -> list[dict]:
    """Wait until no job is pending or running; returns every job."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        jobs = await OutboxJob.select().order_by(OutboxJob.id)
        if jobs and all(job["status"] not in ("PENDING", "RUNNING") for job in jobs):
            return jobs
        await asyncio.sleep(0.05)
    pytest.fail(f"jobs still running after {timeout} s: {await OutboxJob.select(OutboxJob.action, OutboxJob.status)}")


@pytest.fixture
async def job_system(demo, smtp_server):
    mailer = SmtpMailer.from_url(f"smtp://127.0.0.1:{smtp_server.port}?from=achats@demo.example")
    services = Services(policy=FAST, mailer=mailer, webhook_sender=InMemoryWebhookSender())
    system = JobSystem(StubBroker(), ACTIONS, services)
    await system.start(run_workers=True)
    yield system
    await system.stop()


async def _install_purchase_order(demo: int) -> None:
    from models.templates import install_template
    from tests.conftest import TEMPLATES

    await install_template(demo, TEMPLATES / "purchase_order")


async def test_approval_generates_one_order_and_one_email(circuit, demo, job_system, smtp_server):
    request = await circuit.submitted(total_ht=1500)
    await circuit.approved_by("bob", request["id"])
    jobs = await until_idle()
    assert [(j["action"], j["status"]) for j in jobs] == [
        ("generate_purchase_order", "SUCCEEDED"),
        ("email_supplier", "SUCCEEDED"),
    ]
    request_row = await Document.select().where(Document.id == int(request["id"])).first()
    assert request_row["state"] == "ordered"
    orders = await links.targets(demo, int(request["id"]), "purchase_order")
    assert len(orders) == 1
    order = await Document.select().where(Document.id == orders[0]).first()
    assert order["number"].startswith("BC-") and order["state"] == "issued"
    assert await Link.count().where(Link.target == orders[0]) == 1
    xml = await attachments.latest(demo, orders[0], "orderx")
    assert validate_order(bytes(xml.content)) == []
    messages = smtp_server.inbox.messages
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == "orders@acme.example"
    assert order["number"] in message["Subject"]
    assert message["Message-ID"] == json.loads(jobs[1]["result"])["message_id"]
    attached = [part for part in message.iter_attachments()]
    assert [part.get_filename() for part in attached] == [f"{order['number']}.xml"]
    assert attached[0].get_content() in (bytes(xml.content), bytes(xml.content).decode())


async def test_document_jobs_and_links_are_visible_through_the_api(api, circuit, demo, job_system):
    request = await circuit.submitted(total_ht=900)
    await circuit.approved_by("bob", request["id"])
    await until_idle()
    body = await api(
        "query($id: ID!) { document(id: $id) { state jobs { action status attempts lastError } "
        "links { kind document { number state links { kind document { id } } } } } }",
        {"id": request["id"]}, user="alice",
    )
    document = body["data"]["document"]
    assert document["state"] == "ordered"
    assert [(j["action"], j["status"]) for j in document["jobs"]] == [
        ("generate_purchase_order", "SUCCEEDED"), ("email_supplier", "SUCCEEDED")]
    [link] = document["links"]
    assert link["kind"] == "purchase_order"
    assert link["document"]["links"] == [{"kind": "origin", "document": {"id": request["id"]}}]


async def test_supplier_without_email_fails_the_job_with_that_message(circuit, demo, job_system, smtp_server):
    suppliers = await ensure_catalog(demo, "suppliers", "Suppliers")
    await put_entry(demo, suppliers, "SILENT", "Silent SARL", {"name": "Silent SARL", "siren": "123456782"})
    request = await circuit.submitted(total_ht=900, supplier="SILENT")
    await circuit.approved_by("bob", request["id"])
    jobs = await until_idle()
    email = next(j for j in jobs if j["action"] == "email_supplier")
    assert email["status"] == "FAILED"
    assert "has no e-mail address" in email["last_error"]
    assert email["attempts"] == 1
    assert smtp_server.inbox.messages == []


async def test_order_that_cannot_be_built_fails_without_half_an_order(circuit, demo, job_system):
    """The supplier is deactivated after the request was approved: the order would be
    invalid, so the job fails at once and its transaction leaves nothing behind."""
    request = await circuit.submitted(total_ht=900)
    await CatalogEntry.update({CatalogEntry.active: False}).where(CatalogEntry.code == "ACME")
    await circuit.approved_by("bob", request["id"])
    jobs = await until_idle()
    assert [(j["action"], j["status"]) for j in jobs] == [("generate_purchase_order", "FAILED")]
    assert "'ACME' is not an active entry of catalog 'suppliers'" in jobs[0]["last_error"]
    assert jobs[0]["attempts"] == 1
    assert await Document.count() == 1
    assert (await Document.select(Document.state).first())["state"] == "approved"

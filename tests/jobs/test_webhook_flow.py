"""Document events reach registered endpoints, signed, once per event, on both databases."""

import json

import pytest
from dramatiq.brokers.stub import StubBroker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from jobs.actions import ACTIONS
from jobs.connectors.webhooks import HttpWebhookSender, verify
from jobs.services import Services
from jobs.system import JobSystem
from models import webhook_endpoints
from models.addresses import StaticResolver
from models.tables import WebhookEndpoint
from tests.jobs.test_purchase_flow import FAST, until_idle

SECRET = "whsec_test_4f9a"


@pytest.fixture
async def receiver(demo, serve):
    received: list[dict] = []

    async def hook(request: Request) -> Response:
        body = await request.body()
        received.append({"valid": verify(SECRET.encode(), request.headers["x-parapheur-signature"], body),
                         "event": request.headers.get("x-parapheur-event"), "body": json.loads(body)})
        return Response(status_code=204)

    url = serve(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) + "/hook"
    await WebhookEndpoint.insert(WebhookEndpoint(organisation=demo, url=url, secret=SECRET, events=["*"]))
    return received


@pytest.fixture
async def job_system(receiver):
    services = Services(policy=FAST, webhook_sender=HttpWebhookSender(allow_http_hosts=("127.0.0.1",)))
    system = JobSystem(StubBroker(), {"deliver_webhook": ACTIONS["deliver_webhook"]}, services)
    await system.start(run_workers=True)
    yield system
    await system.stop()


async def test_each_change_is_delivered_once_signed_with_the_final_number(circuit, receiver, job_system):
    request = await circuit.submitted(total_ht=800)
    await circuit.approved_by("bob", request["id"])
    jobs = await until_idle()
    assert {j["status"] for j in jobs if j["action"] == "deliver_webhook"} == {"SUCCEEDED"}
    assert all(r["valid"] for r in receiver)
    # Deliveries run in parallel, so they may arrive out of order: the version orders them.
    in_order = sorted(receiver, key=lambda r: r["body"]["document"]["version"])
    moves = [[(s["from"], s["to"]) for s in r["body"]["steps"]] for r in in_order]
    assert moves == [[(None, "draft")], [("draft", "service_review")], [("service_review", "approved")]]
    assert {r["body"]["document"]["number"] for r in receiver} == {request["number"]}
    assert {r["event"] for r in receiver} == {"document.transitioned"}


async def test_an_action_no_actor_performs_fails_its_job_and_says_which(circuit, job_system):
    """This job system performs only deliver_webhook: the approval's purchase order job fails."""
    request = await circuit.submitted(total_ht=800)
    await circuit.approved_by("bob", request["id"])
    jobs = await until_idle()
    [order] = [j for j in jobs if j["action"] == "generate_purchase_order"]
    assert order["status"] == "FAILED"
    assert "no automated action 'generate_purchase_order'" in order["last_error"]


async def test_delivery_to_a_host_rebound_to_a_private_address_fails_its_job_with_the_reason(circuit, demo):
    """Public when registered, private when delivered: the check before each delivery refuses it."""
    then = StaticResolver({"erp.example.com": ("93.184.216.34",)})
    now = StaticResolver({"erp.example.com": ("10.0.0.5",)})
    await webhook_endpoints.register(demo, "https://erp.example.com/hook", ["*"], resolver=then)
    services = Services(policy=FAST, webhook_sender=HttpWebhookSender(resolver=now))
    system = JobSystem(StubBroker(), {"deliver_webhook": ACTIONS["deliver_webhook"]}, services)
    await system.start(run_workers=True)
    try:
        await circuit.submitted(total_ht=800)
        jobs = [j for j in await until_idle() if j["action"] == "deliver_webhook"]
    finally:
        await system.stop()
    assert jobs and {(j["status"], j["attempts"]) for j in jobs} == {("FAILED", 1)}
    assert {j["last_error"] for j in jobs} == {
        "webhook host 'erp.example.com' resolves to 10.0.0.5, a private address; only public addresses are called"
    }


REGISTER = "mutation($url: String!, $events: [String!]) { registerWebhook(url: $url, events: $events) " \
           "{ secret endpoint { id url events active } } }"


async def test_admin_registers_an_https_endpoint_and_sees_its_secret_once(api, demo):
    body = await api(REGISTER, {"url": "https://93.184.216.34/hooks/parapheur"}, user="admin")
    registration = body["data"]["registerWebhook"]
    assert registration["secret"].startswith("whsec_")
    assert registration["endpoint"]["events"] == ["*"]
    stored = await WebhookEndpoint.select(WebhookEndpoint.secret).where(
        WebhookEndpoint.id == int(registration["endpoint"]["id"])).first()
    assert stored["secret"] == registration["secret"]
    off = await api("mutation($id: ID!) { deactivateWebhook(id: $id) }", {"id": registration["endpoint"]["id"]},
                    user="admin")
    assert off["data"]["deactivateWebhook"] is True


@pytest.mark.parametrize(
    ("url", "events", "message"),
    [
        ("http://erp.example/hook", None, "must use https://"),
        ("https://user:pw@erp.example/hook", None, "carry no credentials"),
        ("https://erp.example/hook", ["document.deleted"], "unknown event"),
        ("https://127.0.0.1/hook", None, "webhook host '127.0.0.1' is a loopback address"),
        ("https://localhost:8443/hook", None, "webhook host 'localhost' resolves to 127.0.0.1, a loopback address"),
        ("https://10.0.0.5/hook", None, "webhook host '10.0.0.5' is a private address"),
        ("https://169.254.169.254/latest/meta-data/", None, "webhook host '169.254.169.254' is a link-local address"),
        ("https://[::1]/hook", None, "webhook host '::1' is a loopback address"),
        ("https://[fd12:3456::5]/hook", None, "webhook host 'fd12:3456::5' is a unique local (private) address"),
        ("https://erp.invalid/hook", None, "webhook host 'erp.invalid' does not resolve"),
    ],
)
async def test_bad_endpoints_are_refused_with_the_reason(api, demo, url, events, message):
    body = await api(REGISTER, {"url": url, "events": events}, user="admin")
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert message in body["errors"][0]["message"]
    assert await WebhookEndpoint.count() == 0


async def test_only_admins_register_webhooks(api, demo):
    body = await api(REGISTER, {"url": "https://erp.example/hook"}, user="alice")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

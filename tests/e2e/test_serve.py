"""`parapheur serve --demo` as a real process: a demo login answers `viewer` over HTTP."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import demo_server, free_port

ROOT = Path(__file__).resolve().parents[2]


class Inbox:
    def __init__(self):
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook)
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


@pytest.fixture
def server(tmp_path: Path, smtp):
    with demo_server(tmp_path, {"PARAPHEUR_SMTP_URL": f"smtp://127.0.0.1:{smtp[0]}?from=achats@demo.example"}) as base:
        yield base


def graphql(base: str, query: str, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(f"{base}/graphql", json={"query": query}, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_demo_login_answers_viewer_over_http(server):
    login = graphql(server, 'mutation { login(username: "alice", password: "demo") { ... on LoginSuccess { token } } }')
    token = login["data"]["login"]["token"]
    viewer = graphql(server, "{ viewer { username organization { slug } } }", token)
    assert viewer["data"]["viewer"] == {"username": "alice", "organization": {"slug": "demo"}}


def login(base: str, username: str) -> str:
    body = graphql(base, f'mutation {{ login(username: "{username}", password: "demo") '
                         '{ ... on LoginSuccess { token } } }')
    return body["data"]["login"]["token"]


def test_embedded_jobs_order_and_mail_an_approved_request(server, smtp):
    """The embedded default: no broker, no worker; serve's own threads run the actions."""
    alice, bob = login(server, "alice"), login(server, "bob")
    created = graphql(server, 'mutation { createDocument(input: {documentType: "purchase_request", submit: true, '
                              'data: {title: "Écrans", department: "IT", supplier: "ACME", lines: [{description: '
                              '"Écran 27", quantity: 3, unit_price: 300, vat_rate: 20}]}}) '
                              '{ ... on DocumentPayload { document { id } } } }', alice)
    document_id = created["data"]["createDocument"]["document"]["id"]
    approved = graphql(server, f'mutation {{ transition(input: {{id: "{document_id}", action: "approve"}}) '
                               '{ __typename } }', bob)
    assert approved["data"]["transition"]["__typename"] == "DocumentPayload"
    query = f'{{ document(id: "{document_id}") {{ state jobs {{ action status lastError }} }} }}'
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        document = graphql(server, query, alice)["data"]["document"]
        if all(job["status"] not in ("PENDING", "RUNNING") for job in document["jobs"]) and len(document["jobs"]) == 2:
            break
        time.sleep(0.2)
    assert document["state"] == "ordered"
    assert [(j["action"], j["status"]) for j in document["jobs"]] == [
        ("generate_purchase_order", "SUCCEEDED"), ("email_supplier", "SUCCEEDED")]
    assert len(smtp[1].messages) == 1


def test_graphiql_is_served_on_get(server):
    page = httpx.get(f"{server}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


def test_serve_prints_its_urls(tmp_path):
    port = free_port()
    env = {**os.environ, "PARAPHEUR_DATABASE_URL": f"sqlite:///{tmp_path / 'urls.sqlite'}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "parapheur.cli", "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lines = [process.stdout.readline() for _ in range(3)]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    assert f"http://127.0.0.1:{port}/graphql" in "".join(lines)

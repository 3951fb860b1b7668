"""`parapheur serve --demo` as a real process: a demo login answers `viewer` over HTTP."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "PARAPHEUR_DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.sqlite'}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "parapheur.cli", "serve", "--demo", "--port", str(port), "--no-access-log"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"server exited early:\n{process.stdout.read()}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not answer /health within 60 s")
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


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

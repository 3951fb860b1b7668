"""The app's edge: slow bodies time out, forwarded headers count only from trusted proxies."""

import asyncio
import time

import httpx

from models.throttle import ThrottlePolicy
from parapheur.app import create_app
from parapheur.cli import server_options
from parapheur.settings import Settings, from_environment
from tests.e2e.conftest import demo_server
from tests.models.test_throttle import LOGIN


async def test_a_body_that_stops_arriving_is_a_408():
    app = create_app(Settings(database_url="sqlite:///unused.sqlite", read_timeout_seconds=0.3),
                     manage_database=False)

    async def stalled():
        yield b'{"query": "{ viewer '
        await asyncio.sleep(5)
        yield b'{ username } }"}'

    started = time.perf_counter()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://parapheur.test") as http:
        response = await http.post("/graphql", content=stalled(), headers={"Content-Type": "application/json"})
    assert time.perf_counter() - started < 2
    assert response.status_code == 408
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TIMEOUT"
    assert "0.3 s" in response.json()["errors"][0]["message"]


def test_forwarded_headers_are_ignored_without_a_trusted_proxy():
    assert server_options(from_environment({}))["proxy_headers"] is False
    behind = server_options(from_environment({"PARAPHEUR_TRUSTED_PROXIES": "10.0.0.5, 10.0.0.6"}))
    assert behind["proxy_headers"] is True
    assert behind["forwarded_allow_ips"] == ["10.0.0.5", "10.0.0.6"]
    assert server_options(from_environment({"PARAPHEUR_MAX_CONNECTIONS": "50"}))["limit_concurrency"] == 50


def test_a_forged_x_forwarded_for_does_not_escape_the_address_throttle(tmp_path):
    with demo_server(tmp_path, {}) as base:
        for n in range(ThrottlePolicy().free_per_address + 1):
            httpx.post(f"{base}/graphql", json={"query": LOGIN, "variables": {"u": f"nobody{n}", "p": "x"}},
                       headers={"X-Forwarded-For": f"203.0.113.{n}"}, timeout=30)
        answer = httpx.post(f"{base}/graphql", json={"query": LOGIN, "variables": {"u": "alice", "p": "demo"}},
                            headers={"X-Forwarded-For": "198.51.100.7"}, timeout=30).json()
    assert "try again in" in answer["data"]["login"]["message"]

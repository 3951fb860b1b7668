"""GraphQL over HTTP: the spec's media type and status codes, and the graphql-http audit run by
Node against a real `parapheur serve`.

graphql-http comes from the npm registry, pinned in tests/graphql_api/audit/package.json and
locked in its package-lock.json; `npm ci` installs it there when node_modules is missing.
Without node and npm the audit is skipped with the reason, except under CI.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from graphql_api.transport import GRAPHQL_RESPONSE, negotiated
from tests.e2e.conftest import demo_server

AUDIT = Path(__file__).resolve().parent / "audit"
SPEC = {"Accept": GRAPHQL_RESPONSE, "Content-Type": "application/json"}


@pytest.mark.parametrize(("accept", "expected"), [
    ("", "application/json"), ("*/*", "application/json"), ("application/json", "application/json"),
    (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
    (GRAPHQL_RESPONSE.upper(), GRAPHQL_RESPONSE),
])
def test_the_media_type_follows_the_accept_header(accept, expected):
    assert negotiated(accept) == expected


@pytest.mark.parametrize("query", ["{ viewer {", "{ nope }", "query($n: Int!) { documents(first: $n) { totalCount } }"],
                         ids=["parse", "validation", "variables"])
async def test_a_request_error_is_a_400_without_data_for_spec_clients(api, query):
    response = await api.http.post("/graphql", json={"query": query, "variables": {"n": "x"}}, headers=SPEC)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert "data" not in body and body["errors"]
    legacy = await api.http.post("/graphql", json={"query": query, "variables": {"n": "x"}})
    assert legacy.status_code == 200
    assert legacy.headers["content-type"].startswith("application/json")
    assert legacy.json()["data"] is None


async def test_a_field_error_keeps_200_and_data_for_spec_clients(api):
    response = await api.http.post("/graphql", json={"query": "{ documents { totalCount } }"}, headers=SPEC)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert body["data"] is None and body["errors"][0]["path"] == ["documents"]


async def test_a_malformed_body_answers_in_the_negotiated_media_type(api):
    response = await api.http.post("/graphql", content=b"null", headers=SPEC)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in response.json()


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"the graphql-http audit is required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def audit_project() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        _missing("node and npm are not installed (apt-get install -y nodejs npm): they run the graphql-http audit")
    if not (AUDIT / "node_modules" / "graphql-http").exists():
        done = subprocess.run([shutil.which("npm") or "npm", "ci", "--no-audit", "--no-fund"], cwd=AUDIT,
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            _missing(f"npm ci failed in {AUDIT}:\n{done.stdout}\n{done.stderr}")
    return AUDIT


def test_the_graphql_http_audit_passes_every_check(audit_project, tmp_path):
    with demo_server(tmp_path, {}) as base:
        done = subprocess.run([shutil.which("node") or "node", "audit.mjs", f"{base}/graphql"], cwd=audit_project,
                              capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    failing = [f"{r['id']} {r['name']}: {r['reason']}" for r in results if r["status"] != "ok"]
    assert failing == [], "\n".join(failing)
    assert len(results) >= 61

"""Server memory around the heaviest query the cost budget allows, and the refusal of a costlier one.

Starts `parapheur serve --demo` on a fresh SQLite file, fills a page of 100 submitted purchase
requests, then reads the server's resident memory (VmRSS) before and after each run of
`documents(first: 100) { edges { node { diagram screen history … } } }` (the costliest page the
default budget of 20,000 admits (twice, aliased)) and after the 30-alias query the budget refuses.

    .venv/bin/python bench/heavy_query.py [--runs 5] [--documents 100]
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graphql_api.cost import cost_rule  # noqa: E402
from tests.circuit import CREATE, request_data  # noqa: E402

HEAVY = "edges { node { number diagram screen history { seq action actor at } } }"
# Two aliases of the heaviest page: 2 x 8,801, the most of it the default budget of 20,000 admits.
ALLOWED = f"{{ a: documents(first: 100) {{ {HEAVY} }} b: documents(first: 100) {{ {HEAVY} }} }}"
REFUSED = "{ " + " ".join(f"a{i}: documents(first: 100) {{ {HEAVY} }}" for i in range(30)) + " }"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--documents", type=int, default=100)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="parapheur-bench-"))
    port = free_port()
    env = {**os.environ, "PARAPHEUR_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}",
           "PYTHONPATH": str(ROOT)}
    env.pop("PARAPHEUR_BROKER_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "parapheur.cli", "serve", "--demo", "--port", str(port),
                               "--no-access-log"], cwd=folder, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        client = httpx.Client(base_url=base, timeout=120)

        def token(user: str) -> str:
            body = client.post("/graphql", json={"query": 'mutation($u: String!) { login(username: $u, '
                                                 'password: "demo") { ... on LoginSuccess { token } } }',
                                                 "variables": {"u": user}}).json()
            return body["data"]["login"]["token"]

        alice = {"Authorization": f"Bearer {token('alice')}"}
        admin = {"Authorization": f"Bearer {token('admin')}"}
        for n in range(args.documents):
            client.post("/graphql", headers=alice, json={"query": CREATE, "variables": {"input": {
                "documentType": "purchase_request", "data": request_data(total_ht=100 + n), "submit": True}}})
        from graphql import parse, validate

        from graphql_api.schema import build_schema
        schema = build_schema()._schema
        cost = next((e.extensions["cost"] for e in validate(schema, parse(ALLOWED), [cost_rule(0)])), None)
        results = {"documents": args.documents, "allowed_cost": cost, "rss_baseline_mb": round(rss_mb(server.pid), 1),
                   "runs": []}
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.post("/graphql", headers=admin, json={"query": ALLOWED})
            elapsed = time.perf_counter() - started
            assert response.status_code == 200 and "errors" not in response.json(), response.text[:500]
            results["runs"].append({"seconds": round(elapsed, 2),
                                    "response_mb": round(len(response.content) / 2**20, 2),
                                    "rss_after_mb": round(rss_mb(server.pid), 1)})
        time.sleep(2)
        results["rss_2s_after_last_mb"] = round(rss_mb(server.pid), 1)
        started = time.perf_counter()
        refused = client.post("/graphql", headers=admin, json={"query": REFUSED})
        results["refused_ms"] = round((time.perf_counter() - started) * 1000, 1)
        results["refused_code"] = refused.json()["errors"][0]["extensions"]["code"]
        results["refused_cost"] = refused.json()["errors"][0]["extensions"]["cost"]
        results["rss_after_refusal_mb"] = round(rss_mb(server.pid), 1)
        print(json.dumps(results, indent=2))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

"""Workflow transitions per second through the GraphQL API, beside pgbench TPC-B on the same machine.

A transition is the unit of work Parapheur exists for: each one locks a document, asks the rules,
then writes the document, its sealed history, its tasks and usage in one PostgreSQL transaction.
pgbench's TPC-B (five statements in one transaction) on the same PostgreSQL says what the machine
can do with no Python in the way, so the ratio of the two tells what the API layers cost. The
target is at least half of pgbench's tps.

Each client loops: alice creates and submits a purchase request (one transition, `submit`), bob
approves it (one more); every `--large-every`-th request is 6,000 euros, so carol approves it too.

    .venv/bin/python bench/transitions.py --clients 8 --requests 200
"""

import argparse
import asyncio
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import asyncpg
import httpx

REPO = Path(__file__).resolve().parent.parent
DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
PGBENCH_TPS = re.compile(r"^tps = ([0-9.]+) \((?:without initial|excluding) connection", re.M)

LOGIN = (
    "mutation($u: String!, $p: String!) { login(username: $u, password: $p)"
    " { __typename ... on LoginSuccess { token } } }"
)
RESULT_FIELDS = """__typename
  ... on DocumentPayload { document { id version state } }
  ... on ActionRefused { reason message }
  ... on ValidationFailed { message errors { path message } }
  ... on VersionConflict { message currentVersion }"""
CREATE = (
    "mutation($data: JSON!) { createDocument("
    'input: {documentType: "purchase_request", data: $data, submit: true})'
    f" {{ {RESULT_FIELDS} }} }}"
)
APPROVE = (
    'mutation($id: ID!, $v: Int) { transition(input: {id: $id, action: "approve", expectedVersion: $v})'
    f" {{ {RESULT_FIELDS} }} }}"
)
SMALL_PRICE = 1_000  # under the service limit: bob's approval ends the circuit
LARGE_PRICE = 6_000  # over the service limit, under the DAF limit: bob, then carol


@dataclass
class Stats:
    """What the clients observed; shared by all of them (one event loop, so no locking)."""

    transitions: int = 0
    documents: int = 0
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"create+submit": [], "approve": []})
    errors: Counter[str] = field(default_factory=Counter)
    first_error: dict[str, str] = field(default_factory=dict)

    def error(self, kind: str, detail: str) -> None:
        """Count every error, print each kind once with the request that caused it."""
        if kind not in self.errors:
            self.first_error[kind] = detail
            print(f"error [{kind}]: {detail}", file=sys.stderr, flush=True)
        self.errors[kind] += 1


class Api:
    """GraphQL over one pooled HTTP client; every call is timed and checked for a DocumentPayload."""

    def __init__(self, client: httpx.AsyncClient, url: str, stats: Stats):
        self.client = client
        self.url = url
        self.stats = stats

    async def login(self, username: str) -> str:
        response = await self.client.post(self.url, json={"query": LOGIN, "variables": {"u": username, "p": "demo"}})
        response.raise_for_status()
        body = response.json()
        login = (body.get("data") or {}).get("login") or {}
        if login.get("__typename") != "LoginSuccess":
            raise RuntimeError(f"login of {username} failed: {body}")
        return str(login["token"])

    async def document(
        self, kind: str, query: str, variables: dict[str, Any], token: str, expected_state: str
    ) -> dict[str, Any] | None:
        """The document of a DocumentPayload in `expected_state`, else None with the error recorded."""
        request = f"{' '.join(query.split())} with {json.dumps(variables)}"
        started = time.perf_counter()
        try:
            response = await self.client.post(
                self.url,
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as error:
            self.stats.error(f"{kind}: {type(error).__name__}", f"{error!r} on {request}")
            return None
        self.stats.latencies[kind].append(time.perf_counter() - started)
        if response.status_code != 200:
            self.stats.error(f"{kind}: HTTP {response.status_code}", f"{response.text[:500]} on {request}")
            return None
        body = response.json()
        if body.get("errors"):
            first = body["errors"][0]
            code = (first.get("extensions") or {}).get("code") or first.get("message", "")[:80]
            detail = f"{json.dumps(body['errors'])[:500]} on {request}"
            self.stats.error(f"{kind}: GraphQL error {code}", detail)
            return None
        result = next(iter((body.get("data") or {}).values()), None) or {}
        if result.get("__typename") != "DocumentPayload":
            label = f"{result.get('__typename')} {result.get('reason') or ''}".strip()
            self.stats.error(f"{kind}: {label}", f"{json.dumps(result)[:500]} on {request}")
            return None
        document: dict[str, Any] = result["document"]
        if document["state"] != expected_state:
            self.stats.error(
                f"{kind}: state {document['state']} instead of {expected_state}", f"{document} on {request}"
            )
            return None
        return document


async def circuit(api: Api, tokens: dict[str, str], large: bool) -> None:
    """One purchase request from submission to approval; stops at the first error."""
    price = LARGE_PRICE if large else SMALL_PRICE
    data = {
        "title": "Bench",
        "department": "IT",
        "supplier": "ACME",
        "lines": [{"description": "Laptop", "quantity": 1, "unit_price": price, "vat_rate": 20}],
    }
    document = await api.document("create+submit", CREATE, {"data": data}, tokens["alice"], "service_review")
    if document is None:
        return
    api.stats.transitions += 1
    approvers = [("bob", "daf_review"), ("carol", "approved")] if large else [("bob", "approved")]
    for approver, next_state in approvers:
        variables = {"id": document["id"], "v": document["version"]}
        document = await api.document("approve", APPROVE, variables, tokens[approver], next_state)
        if document is None:
            return
        api.stats.transitions += 1
    api.stats.documents += 1


async def client_loop(api: Api, tokens: dict[str, str], requests: int, large_every: int, deadline: float) -> None:
    """A fixed number of circuits, cut short by the wall-clock deadline so a slow server cannot hang."""
    for index in range(requests):
        if time.perf_counter() >= deadline:
            return
        await circuit(api, tokens, large=large_every > 0 and index % large_every == large_every - 1)


def percentile(samples: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile in milliseconds; None when nothing was measured."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered)))) - 1
    return ordered[rank] * 1000


def children(pid: int) -> list[int]:
    """Child processes (uvicorn's worker processes when serve runs with --workers)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU of each live process from /proc (Linux), to see who used the cores."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in [*pids, *(child for parent in pids for child in children(parent))]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between two readings; a process born in between (a new pooled connection's
    backend) counts whole, as it lived only then."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def machine_busy_seconds() -> float:
    """CPU time all cores spent busy, from /proc/stat: what is left after our three processes is
    someone else's (a shared machine's tests, say), and makes the figures noisier."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle, iowait = ticks[3], ticks[4]
    return (sum(ticks) - idle - iowait) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Postgres:
    """Where PostgreSQL listens, for asyncpg, the server's URL and pgbench's flags alike."""

    host: str
    port: int
    user: str

    @classmethod
    def parse(cls, url: str) -> "Postgres":
        parsed = urlparse(url)
        return cls(parsed.hostname or "127.0.0.1", parsed.port or 5432, parsed.username or "postgres")

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def flags(self) -> list[str]:
        return ["-h", self.host, "-p", str(self.port), "-U", self.user]

    async def recreate(self, database: str) -> None:
        """Drop and create, so every run starts from the same empty database."""
        if not DATABASE_NAME.match(database):
            raise SystemExit(f"database name {database!r} must match {DATABASE_NAME.pattern}")
        connection = await asyncpg.connect(self.url("postgres"))
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{database}"')
        finally:
            await connection.close()

    async def pids(self, database: str) -> list[int]:
        """The backends serving `database` and PostgreSQL's background processes (WAL writer,
        checkpointer…), not the backends other people's databases keep busy on a shared machine."""
        connection = await asyncpg.connect(self.url("postgres"))
        try:
            rows = await connection.fetch(
                "SELECT pid FROM pg_stat_activity WHERE (datname = $1 OR datname IS NULL) AND pid <> pg_backend_pid()",
                database,
            )
            return [row["pid"] for row in rows]
        finally:
            await connection.close()

    async def version(self) -> str:
        connection = await asyncpg.connect(self.url("postgres"))
        try:
            return str(await connection.fetchval("SHOW server_version"))
        finally:
            await connection.close()


@dataclass(frozen=True)
class Watched:
    """The server we started and its database: whose CPU a run accounts for."""

    server_pid: int
    postgres: Postgres
    database: str

    async def postgres_cpu(self) -> dict[int, float]:
        return cpu_seconds(await self.postgres.pids(self.database))


async def run_load(args: argparse.Namespace, url: str, watched: Watched | None) -> dict[str, Any]:
    """Log in once, warm up, then run the clients and measure (CPU too, when `watched`)."""
    stats = Stats()
    limits = httpx.Limits(max_connections=args.clients + 1, max_keepalive_connections=args.clients + 1)
    async with httpx.AsyncClient(timeout=args.timeout, limits=limits) as client:
        api = Api(client, url, stats)
        tokens = {name: await api.login(name) for name in ("alice", "bob", "carol")}
        # The first circuits pay for caches (compiled CEL conditions, published versions): not measured.
        warmup = Api(client, url, Stats())
        for index in range(args.warmup):
            await circuit(warmup, tokens, large=index % 2 == 1)
        stats.errors.update(warmup.stats.errors)
        stats.first_error.update(warmup.stats.first_error)

        server = [watched.server_pid] if watched else []
        postgres_before = await watched.postgres_cpu() if watched else {}
        server_before = cpu_seconds(server)
        own_before, busy_before = time.process_time(), machine_busy_seconds()
        started = time.perf_counter()
        deadline = started + args.max_seconds
        clients = [client_loop(api, tokens, args.requests, args.large_every, deadline) for _ in range(args.clients)]
        await asyncio.gather(*clients)
        elapsed = time.perf_counter() - started
        server_cpu = cpu_used(server_before, cpu_seconds(server))
        postgres_cpu = cpu_used(postgres_before, await watched.postgres_cpu() if watched else {})
        load_cpu = time.process_time() - own_before
        other_cpu = machine_busy_seconds() - busy_before - server_cpu - postgres_cpu - load_cpu

    calls = sum(len(samples) for samples in stats.latencies.values())
    return {
        "seconds": round(elapsed, 2),
        "documents": stats.documents,
        "planned_documents": args.clients * args.requests,
        "transitions": stats.transitions,
        "http_calls": calls,
        "transitions_per_second": round(stats.transitions / elapsed, 1),
        "latency_ms": {
            kind: {
                "count": len(samples),
                "p50": _rounded(percentile(samples, 0.50)),
                "p99": _rounded(percentile(samples, 0.99)),
                "mean": _rounded(statistics.fmean(samples) * 1000 if samples else None),
            }
            for kind, samples in stats.latencies.items()
        },
        "errors": sum(stats.errors.values()),
        "errors_by_kind": dict(stats.errors),
        "first_error": stats.first_error,
        "cpu_seconds": {
            "server": round(server_cpu, 2) if watched else None,
            "postgres": round(postgres_cpu, 2) if watched else None,
            "load_generator": round(load_cpu, 2),
            "other": round(other_cpu, 2) if watched else None,
        },
        "server_cpu_ms_per_transition": (
            round(server_cpu * 1000 / stats.transitions, 2) if watched and stats.transitions else None
        ),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def parapheur_server(postgres: Postgres, database: str, workers: int = 1) -> AsyncIterator[tuple[str, int]]:
    """`parapheur serve --demo` on a fresh database; stopped on the way out, whatever happened."""
    await postgres.recreate(database)
    port = free_port()
    executable = Path(sys.executable).with_name("parapheur")
    command = [
        str(executable),
        "serve",
        "--demo",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--workers",
        str(workers),
    ]
    env = {**os.environ, "PARAPHEUR_DATABASE_URL": postgres.url(database)}
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        try:
            await _wait_healthy(f"http://127.0.0.1:{port}/health", process, log)
            yield f"http://127.0.0.1:{port}/graphql", process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.seek(0)
            output = log.read()
            if "Traceback" in output or "ERROR" in output:
                print(f"server log:\n{output[-4000:]}", file=sys.stderr)


async def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Any, timeout: float = 90) -> None:
    """Migrations and the demo load run before the server listens: poll /health until it answers."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log.seek(0)
                raise SystemExit(f"parapheur serve exited with {process.returncode}:\n{log.read()[-4000:]}")
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    raise SystemExit(f"parapheur serve did not answer {url} within {timeout:.0f} s")


def pgbench_executable() -> str:
    bundled = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))
    found = shutil.which("pgbench") or (bundled[-1] if bundled else None)
    if found is None:
        raise SystemExit("pgbench not found; install postgresql-client (or pass --no-pgbench)")
    return str(found)


async def run_pgbench(args: argparse.Namespace, postgres: Postgres) -> dict[str, Any]:
    """TPC-B with the same client count as the load, on its own freshly initialised database."""
    pgbench = pgbench_executable()
    await postgres.recreate(args.pgbench_database)
    subprocess.run(
        [pgbench, *postgres.flags(), "-i", "-q", "-s", str(args.pgbench_scale), args.pgbench_database],
        check=True,
        capture_output=True,
        text=True,
    )
    jobs = min(args.pgbench_jobs, args.clients)
    run = ["-c", str(args.clients), "-j", str(jobs), "-T", str(args.pgbench_seconds), args.pgbench_database]
    completed = subprocess.run([pgbench, *postgres.flags(), *run], check=True, capture_output=True, text=True)
    match = PGBENCH_TPS.search(completed.stdout)
    if match is None:
        raise SystemExit(f"no tps line in pgbench output:\n{completed.stdout}\n{completed.stderr}")
    return {
        "tps": round(float(match.group(1)), 1),
        "command": " ".join(["pgbench", *run]),
        "scale": args.pgbench_scale,
    }


def machine(postgres_version: str) -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "postgresql": postgres_version,
        "python": sys.version.split()[0],
    }


def commit() -> str:
    """Short commit, marked dirty when the work tree differs: the figures then describe no commit exactly."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
    )
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def report(result: dict[str, Any]) -> str:
    load, latency = result["load"], result["load"]["latency_ms"]
    lines = [
        f"date {result['date']}  commit {result['commit']}",
        f"machine: {result['machine']['nproc']} cpu ({result['machine']['cpu']}), "
        f"PostgreSQL {result['machine']['postgresql']}, Python {result['machine']['python']}",
        f"load: {result['clients']} clients, {load['documents']} of {load['planned_documents']} documents, "
        f"{load['transitions']} transitions, {load['http_calls']} calls in {load['seconds']} s",
        f"transitions/s          {load['transitions_per_second']}",
    ]
    for kind, figures in latency.items():
        lines.append(f"{kind + ' latency':<23}p50 {figures['p50']} ms  p99 {figures['p99']} ms  (n={figures['count']})")
    kinds = f"  {load['errors_by_kind']}" if load["errors"] else ""
    lines.append(f"errors                 {load['errors']}{kinds}")
    cpu = load["cpu_seconds"]
    if cpu["server"] is not None:
        lines += [
            f"cpu seconds            server {cpu['server']}, postgres {cpu['postgres']}, load generator "
            f"{cpu['load_generator']}, other processes {cpu['other']} "
            f"(of {round(load['seconds'] * result['machine']['nproc'], 1)} available)",
            f"server cpu/transition  {load['server_cpu_ms_per_transition']} ms",
        ]
    if result.get("pgbench"):
        ratio = result["ratio"]
        lines += [
            f"pgbench TPC-B tps      {result['pgbench']['tps']}  ({result['pgbench']['command']})",
            f"ratio                  {ratio}  (target >= 0.5: {'met' if ratio >= 0.5 else 'not met'})",
        ]
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    postgres = Postgres.parse(args.postgres)
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": machine(await postgres.version()),
        "clients": args.clients,
        "requests_per_client": args.requests,
        "large_every": args.large_every,
    }
    if args.url:
        result["load"] = await run_load(args, args.url, None)
    else:
        async with parapheur_server(postgres, args.database, args.server_workers) as (url, pid):
            result["load"] = await run_load(args, url, Watched(pid, postgres, args.database))
    # After the load, once our server has stopped, so the two never compete for the cores.
    if not args.no_pgbench:
        result["pgbench"] = await run_pgbench(args, postgres)
        result["ratio"] = round(result["load"]["transitions_per_second"] / result["pgbench"]["tps"], 3)
    return result


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (and pgbench -c)")
    parser.add_argument("--requests", type=int, default=200, help="purchase requests per client")
    parser.add_argument(
        "--large-every",
        type=int,
        default=4,
        help="every n-th request is 6,000 euros and needs carol too (0: none)",
    )
    parser.add_argument("--server-workers", type=int, default=1, help="parapheur serve --workers")
    parser.add_argument("--warmup", type=int, default=4, help="unmeasured circuits before the clients start")
    parser.add_argument("--max-seconds", type=float, default=300, help="wall-clock cap of the load phase")
    parser.add_argument("--timeout", type=float, default=30, help="HTTP timeout per call, in seconds")
    parser.add_argument(
        "--url", help="GraphQL URL of a running server (demo loaded) instead of starting one; no CPU figures then"
    )
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432",
        help="PostgreSQL for the server's database and pgbench (trust auth)",
    )
    parser.add_argument("--database", default="parapheur_bench", help="recreated for the server on each run")
    parser.add_argument("--pgbench-database", default="parapheur_pgbench")
    parser.add_argument("--pgbench-scale", type=int, default=10)
    parser.add_argument("--pgbench-seconds", type=int, default=30)
    parser.add_argument("--pgbench-jobs", type=int, default=2)
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.clients < 1 or args.requests < 1:
        parser.error("--clients and --requests must be at least 1")
    return args


if __name__ == "__main__":
    options = arguments()
    outcome = asyncio.run(main(options))
    print(json.dumps(outcome, indent=2) if options.json else report(outcome))
    sys.exit(1 if outcome["load"]["errors"] else 0)

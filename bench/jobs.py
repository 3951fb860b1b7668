"""Automated actions per second through Redis, for a no-op action and `convert_to_ubl`, beside raw dramatiq.

Three phases, one after the other in this process, with the same dramatiq worker configuration
(`--threads` worker threads, RedisBroker, default middleware):

1. raw dramatiq: a trivial actor on a RedisBroker; N messages sent, consumed by an in-process
   `dramatiq.Worker` -> messages/s. What dramatiq and Redis alone can do here.
2. Parapheur no-op: an extra action whose prepare and commit do nothing, run by the real job
   system (`jobs.system.JobSystem`: outbox relay, actors, claim, commit). N outbox rows are
   inserted in one transaction -> actions/s, with everything but the action itself.
3. `convert_to_ubl`: M customer invoices created and validated in one transaction (their
   `validated` state queues the conversion) -> invoices/s, XML built and checked against the
   UBL XSD and the EN 16931 rules, then stored as an attachment.

Each phase also takes `--latency-samples` lone jobs (one at a time, the system otherwise idle)
to time a job end to end. The database is recreated on every run; each phase uses a Redis
namespace of its own, flushed at the end.

    .venv/bin/python bench/jobs.py --count 500 --ubl-count 100 --threads 4
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import dramatiq  # noqa: E402
import redis  # noqa: E402
from dramatiq.brokers.redis import RedisBroker  # noqa: E402
from transitions import (  # noqa: E402 (bench/transitions.py, beside this file)
    Postgres,
    commit,
    cpu_seconds,
    cpu_used,
    machine,
    machine_busy_seconds,
    percentile,
)

RAW_QUEUE = "bench"
FINISHED = ("SUCCEEDED", "FAILED", "CANCELLED")

# The seller (the demo organisation, SIREN 552081317) and the customer the invoices go to.
SELLER_LEGAL = {
    "vat_number": "FR" + f"{(12 + 3 * (552081317 % 97)) % 97:02d}" + "552081317",
    "address": {"street": "10 rue de Rivoli", "city": "Paris", "postal_code": "75004", "country": "FR"},
}
CUSTOMER = {
    "name": "Boulangerie Léa & Fils",
    "siren": "552100554",
    "vat_number": "FR12552100554",
    "address": {"street": "2 avenue Foch", "city": "Lyon", "postal_code": "69006", "country": "FR"},
    "email": "compta@boulangerie.example",
}


def invoice_data(index: int) -> dict[str, Any]:
    """Three shapes in turn: one line; four VAT rates; 20 lines with a zero-rated one."""
    def line(description: str, quantity: float, price: float, rate: float, category: str = "S") -> dict[str, Any]:
        return {"description": description, "quantity": quantity, "unit_price": price,
                "vat_category": category, "vat_rate": rate}

    shape = index % 3
    if shape == 0:
        lines = [line("Maintenance du four", 3, 150, 20)]
    elif shape == 1:
        lines = [line("Pièces", 2, 1200.5, 20), line("Transport", 1, 80, 10), line("Farine", 10, 3.9, 5.5),
                 line("Presse", 4, 1.95, 2.1)]
    else:
        lines = [line(f"Article {n}", 1 + n % 5, 9.99 + n, (20, 10, 5.5)[n % 3]) for n in range(19)]
        lines.append(line("Export", 1, 500, 0, "Z"))
    today = date.today()
    return {
        "customer": "LEA",
        "issue_date": today.isoformat(),
        "due_date": (today + timedelta(days=30)).isoformat(),
        "payment_terms": "30 jours; pénalités de retard: 3 fois le taux d'intérêt légal",
        "buyer_reference": f"BENCH-{index}",
        "lines": lines,
    }


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Timed:
    """Wraps an action to time its two halves (a couple of perf_counter calls per job)."""

    action: Any
    prepare_seconds: list[float] = field(default_factory=list)
    commit_seconds: list[float] = field(default_factory=list)

    async def prepare(self, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return await self.action.prepare(context)
        finally:
            self.prepare_seconds.append(time.perf_counter() - started)

    async def commit(self, context: Any, prepared: Any) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            return await self.action.commit(context, prepared)
        finally:
            self.commit_seconds.append(time.perf_counter() - started)

    def reset(self) -> None:
        self.prepare_seconds.clear()
        self.commit_seconds.clear()


class NoOp:
    """The cheapest action there is: whatever it costs is the job system's own overhead."""

    async def prepare(self, context: Any) -> None:
        return None

    async def commit(self, context: Any, prepared: Any) -> dict[str, Any]:
        return {}


@dataclass
class Cpu:
    """CPU seconds used between `start` and `stop` by this process (every worker thread, the
    relay, the event loop), PostgreSQL (this database's backends and its background
    processes), redis-server, and whatever else ran on the machine."""

    postgres: Postgres
    database: str
    redis_pid: int | None
    before: dict[str, Any] = field(default_factory=dict)

    async def _postgres(self) -> dict[int, float]:
        return cpu_seconds(await self.postgres.pids(self.database))

    async def start(self) -> None:
        self.before = {
            "postgres": await self._postgres(),
            "redis": cpu_seconds([self.redis_pid] if self.redis_pid else []),
            "own": time.process_time(),
            "busy": machine_busy_seconds(),
        }

    async def stop(self, jobs: int) -> dict[str, Any]:
        postgres = cpu_used(self.before["postgres"], await self._postgres())
        redis_cpu = cpu_used(self.before["redis"], cpu_seconds([self.redis_pid] if self.redis_pid else []))
        own = time.process_time() - self.before["own"]
        other = machine_busy_seconds() - self.before["busy"] - postgres - redis_cpu - own
        return {
            "bench_process": round(own, 2),
            "postgres": round(postgres, 2),
            "redis": round(redis_cpu, 2) if self.redis_pid else None,
            "other": round(other, 2),
            "bench_process_ms_per_job": round(own * 1000 / jobs, 3) if jobs else None,
            "postgres_ms_per_job": round(postgres * 1000 / jobs, 3) if jobs else None,
        }


def latency(samples: list[float]) -> dict[str, Any]:
    return {
        "count": len(samples),
        "p50_ms": _rounded(percentile(samples, 0.50)),
        "p99_ms": _rounded(percentile(samples, 0.99)),
        "mean_ms": _rounded(statistics.fmean(samples) * 1000 if samples else None),
    }


def _steady(done: list[float]) -> float | None:
    """Jobs per second between the first and the last to finish: without the wait for the first
    one (an idle dramatiq Redis consumer sleeps up to its worker_timeout, 1 s, between polls)."""
    return round((len(done) - 1) / (done[-1] - done[0]), 1) if len(done) > 1 and done[-1] > done[0] else None


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def flush_namespace(client: redis.Redis, namespace: str) -> int:
    """Delete every key of a dramatiq namespace (the queues, their message hashes, acks, heartbeats)."""
    keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
    return client.delete(*keys) if keys else 0


# --- phase 1: raw dramatiq ---------------------------------------------------------------------


class RawCounter:
    """What the raw actor does besides nothing: note when each message ran, wake the waiter."""

    def __init__(self) -> None:
        self.done: list[float] = []
        self.target = 0
        self.reached = threading.Event()

    def expect(self, more: int) -> None:
        self.target = len(self.done) + more
        self.reached.clear()

    def ran(self) -> None:
        self.done.append(time.perf_counter())
        if len(self.done) >= self.target:
            self.reached.set()


def run_raw(args: argparse.Namespace, namespace: str, measure: Callable[[bool], Any]) -> dict[str, Any]:
    """Synchronous (run in a thread): warm up, send N, wait for N; then lone messages for latency.
    `measure(False)` starts the CPU reading, `measure(True)` returns it."""
    counter = RawCounter()
    broker = RedisBroker(url=args.redis, namespace=namespace)

    def noop(i: int) -> None:
        counter.ran()

    actor = dramatiq.Actor(noop, broker=broker, actor_name="noop", queue_name=RAW_QUEUE, priority=0,
                           options={"max_retries": 0})
    worker = dramatiq.Worker(broker, queues={RAW_QUEUE}, worker_threads=args.threads)
    worker.start()
    try:
        counter.expect(args.warmup)
        for i in range(args.warmup):
            actor.send(i)
        if not counter.reached.wait(args.timeout):
            raise RuntimeError(f"raw dramatiq: warm-up messages not consumed within {args.timeout} s")

        counter.expect(args.count)
        measure(False)
        first = len(counter.done)
        started = time.perf_counter()
        for i in range(args.count):
            actor.send(i)
        sent = time.perf_counter()
        if not counter.reached.wait(args.timeout):
            consumed = len(counter.done) - first
            raise RuntimeError(f"raw dramatiq: {consumed} of {args.count} consumed in {args.timeout} s")
        elapsed = counter.done[-1] - started
        batch_done = counter.done[first:]
        cpu = measure(True)

        lone = []
        for i in range(args.latency_samples):
            time.sleep(args.latency_gap)
            counter.expect(1)
            sent_at = time.perf_counter()
            actor.send(i)
            if not counter.reached.wait(args.timeout):
                raise RuntimeError("raw dramatiq: a lone message was not consumed")
            lone.append(counter.done[-1] - sent_at)
    finally:
        worker.stop(timeout=10_000)
        broker.close()
    return {
        "messages": args.count,
        "seconds": round(elapsed, 3),
        "per_second": round(args.count / elapsed, 1),
        "steady_per_second": _steady(batch_done),
        "send_seconds": round(sent - started, 3),
        "sends_per_second": round(args.count / (sent - started), 1),
        "completion_ms": {"first": _rounded((batch_done[0] - started) * 1000),
                          "p50": _rounded(percentile([t - started for t in batch_done], 0.5))},
        "lone_latency": latency(lone),
        "cpu_seconds": cpu,
    }


# --- phases 2 and 3: the job system ----------------------------------------------------------


@dataclass
class Setup:
    organisation: int
    erin: int


async def prepare_database(args: argparse.Namespace, postgres: Postgres) -> Setup:
    from piccolo.apps.user.tables import BaseUser

    from models.catalogs import ensure_catalog, put_entry
    from models.database import bind, engine_for, open_pool
    from models.demo import load_demo
    from models.migrate import migrate
    from models.tables import Organisation
    from models.templates import install_template

    await postgres.recreate(args.database)
    engine = engine_for(postgres.url(args.database))
    bind(engine)
    await open_pool(engine)
    await migrate()
    organisation = await load_demo(REPO / "ui-schemas")
    admin = (await BaseUser.select(BaseUser.id).where(BaseUser.username == "admin").first())["id"]
    erin = (await BaseUser.select(BaseUser.id).where(BaseUser.username == "erin").first())["id"]
    await install_template(organisation, REPO / "ui-schemas" / "customer_invoice", published_by=admin)
    await Organisation.update({Organisation.legal: json.dumps(SELLER_LEGAL)}).where(Organisation.id == organisation)
    customers = await ensure_catalog(organisation, "customers", "Customers")
    await put_entry(organisation, customers, "LEA", CUSTOMER["name"], CUSTOMER)
    return Setup(organisation=organisation, erin=erin)


async def insert_noop_jobs(setup: Setup, count: int, tag: str) -> list[int]:
    from models.database import write_transaction
    from models.tables import OutboxJob

    now = datetime.now(UTC)
    ids: list[int] = []
    async with write_transaction():
        for chunk in range(0, count, 1000):  # asyncpg takes at most 32,767 query arguments
            rows = await OutboxJob.insert(
                *(
                    OutboxJob(organisation=setup.organisation, document=None, action="noop",
                              idempotency_key=f"bench:{tag}:{i}", expected_state=None, created_at=now,
                              updated_at=now)
                    for i in range(chunk, min(count, chunk + 1000))
                )
            ).returning(OutboxJob.id)
            ids += [row["id"] for row in rows]
    return ids


async def create_validated_invoices(setup: Setup, count: int, offset: int) -> list[int]:
    """Create and validate `count` invoices in one transaction: their jobs become due at once."""
    from models.database import write_transaction
    from models.documents import create_for_platform, transition_for_platform
    from models.tables import OutboxJob

    async with write_transaction():
        documents = []
        for index in range(offset, offset + count):
            row = await create_for_platform(setup.organisation, "customer_invoice", invoice_data(index),
                                            created_by=setup.erin)
            row = await transition_for_platform(setup.organisation, row["id"], "validate")
            if row["state"] != "validated":
                raise RuntimeError(f"invoice {row['number']} is in {row['state']}, not validated")
            documents.append(row["id"])
        jobs = await OutboxJob.select(OutboxJob.id).where(
            OutboxJob.document.is_in(documents) & (OutboxJob.action == "convert_to_ubl"))
    if len(jobs) != count:
        raise RuntimeError(f"validating {count} invoices queued {len(jobs)} convert_to_ubl jobs")
    return [job["id"] for job in jobs]


async def wait_finished(job_ids: list[int], timeout: float, poll: float) -> list[dict[str, Any]]:
    """Poll until every job is SUCCEEDED, FAILED or CANCELLED; returns the rows. The jobs are
    those with ids from the first to the last of `job_ids` (the bench's database is its own)."""
    from models.tables import OutboxJob

    batch = (OutboxJob.id >= min(job_ids)) & (OutboxJob.id <= max(job_ids))
    if await OutboxJob.count().where(batch) != len(job_ids):
        raise RuntimeError("someone else wrote outbox jobs in the bench's database")
    deadline = time.monotonic() + timeout
    while True:
        finished = await OutboxJob.count().where(batch & OutboxJob.status.is_in(FINISHED))
        if finished == len(job_ids):
            break
        if time.monotonic() > deadline:
            statuses = await OutboxJob.select(OutboxJob.status, OutboxJob.attempts, OutboxJob.last_error).where(
                batch & OutboxJob.status.not_in(FINISHED)).limit(5)
            raise RuntimeError(f"{len(job_ids) - finished} of {len(job_ids)} jobs unfinished after {timeout} s, "
                               f"e.g. {statuses}")
        await asyncio.sleep(poll)
    return await OutboxJob.select(
        OutboxJob.id, OutboxJob.status, OutboxJob.attempts, OutboxJob.last_error, OutboxJob.finished_at
    ).where(batch)


def outcome(rows: list[dict[str, Any]], started: datetime) -> dict[str, Any]:
    """Throughput from the jobs' own finished_at (set by this process's clock), failures listed."""
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    done = sorted((row["finished_at"] - started).total_seconds() for row in rows)
    failed = [{"id": row["id"], "status": row["status"], "attempts": row["attempts"], "last_error": row["last_error"]}
              for row in rows if row["status"] != "SUCCEEDED"]
    return {
        "jobs": len(rows),
        "seconds": round(done[-1], 3),
        "per_second": round(len(rows) / done[-1], 1),
        "steady_per_second": _steady(done),
        "statuses": statuses,
        "retried": sum(1 for row in rows if row["attempts"] > 1),
        "completion_ms": {"first": _rounded(done[0] * 1000), "p50": _rounded(percentile(done, 0.5))},
        "not_succeeded": failed[:20],
    }


async def lone_jobs(samples: int, gap: float, make: Callable[[int], Awaitable[list[int]]], timeout: float,
                    ) -> list[float]:
    """End-to-end latency of one job at a time: just after its row's commit -> its finished_at."""
    latencies = []
    for index in range(samples):
        await asyncio.sleep(gap)
        [job_id] = await make(index)
        committed = datetime.now(UTC)
        [row] = await wait_finished([job_id], timeout, poll=0.002)
        if row["status"] != "SUCCEEDED":
            raise RuntimeError(f"lone job {job_id} ended {row['status']}: {row['last_error']}")
        latencies.append((row["finished_at"] - committed).total_seconds())
    return latencies


async def run_job_system(args: argparse.Namespace, setup: Setup, namespace: str, cpu: Cpu) -> dict[str, Any]:
    from jobs.actions import ACTIONS
    from jobs.services import JobPolicy, Services
    from jobs.system import JobSystem

    noop, ubl = Timed(NoOp()), Timed(ACTIONS["convert_to_ubl"])
    actions = {**ACTIONS, "noop": noop, "convert_to_ubl": ubl}
    policy = JobPolicy(max_attempts=3, backoff_seconds=0.5, backoff_cap_seconds=5, lease_seconds=120,
                       relay_interval_seconds=args.relay_interval, redispatch_after_seconds=args.redispatch_after)
    broker = RedisBroker(url=args.redis, namespace=namespace)
    system = JobSystem(broker, actions, Services(policy=policy), worker_threads=args.threads)
    result: dict[str, Any] = {}
    await system.start(run_workers=True)
    try:
        # -- no-op
        await wait_finished(await insert_noop_jobs(setup, args.warmup, "warmup"), args.timeout, args.poll)
        noop.reset()
        started = datetime.now(UTC)
        ids = await insert_noop_jobs(setup, args.count, "batch")
        committed = datetime.now(UTC)  # the jobs cannot run before their commit
        inserted = (committed - started).total_seconds()
        started = committed
        await cpu.start()
        rows = await wait_finished(ids, args.timeout, args.poll)
        result["noop"] = {**outcome(rows, started), "insert_seconds": round(inserted, 3),
                          "cpu_seconds": await cpu.stop(len(ids)),
                          "prepare": latency(noop.prepare_seconds), "commit": latency(noop.commit_seconds)}
        result["noop"]["lone_latency"] = latency(await lone_jobs(
            args.latency_samples, args.latency_gap, lambda i: insert_noop_jobs(setup, 1, f"lone{i}"), args.timeout))

        # -- convert_to_ubl (the warm-up compiles the EN 16931 XSLT, once per process)
        warm = await create_validated_invoices(setup, 2, offset=0)
        warm_rows = await wait_finished(warm, args.timeout, args.poll)
        if any(row["status"] != "SUCCEEDED" for row in warm_rows):
            raise RuntimeError(f"convert_to_ubl warm-up failed: {[r['last_error'] for r in warm_rows]}")
        ubl.reset()
        started = datetime.now(UTC)
        ids = await create_validated_invoices(setup, args.ubl_count, offset=2)
        committed = datetime.now(UTC)
        created = (committed - started).total_seconds()
        started = committed
        await cpu.start()
        rows = await wait_finished(ids, args.timeout, args.poll)
        result["convert_to_ubl"] = {**outcome(rows, started), "create_seconds": round(created, 3),
                                    "cpu_seconds": await cpu.stop(len(ids)),
                                    "prepare": latency(ubl.prepare_seconds), "commit": latency(ubl.commit_seconds),
                                    "attachments": await _attachments(ids)}
        offset = 2 + args.ubl_count
        result["convert_to_ubl"]["lone_latency"] = latency(await lone_jobs(
            min(args.latency_samples, 10), args.latency_gap,
            lambda i: create_validated_invoices(setup, 1, offset=offset + i), args.timeout))
    finally:
        await system.stop()  # the relay, then the worker threads, then the broker
    return result


async def _attachments(job_ids: list[int]) -> int:
    from models.tables import Attachment, OutboxJob

    batch = (OutboxJob.id >= min(job_ids)) & (OutboxJob.id <= max(job_ids))
    documents = OutboxJob.select(OutboxJob.document).where(batch)
    return await Attachment.count().where(Attachment.document.is_in(documents) & (Attachment.kind == "ubl"))


# --- the run -----------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> dict[str, Any]:
    from models.database import close_pool, current_engine

    postgres = Postgres.parse(args.postgres)
    client = redis.Redis.from_url(args.redis)
    server = client.info("server")
    redis_pid = int(server["process_id"]) if Path(f"/proc/{server['process_id']}/stat").exists() else None
    namespaces = {"raw": f"parapheur-bench-raw-{os.getpid()}", "jobs": f"parapheur-bench-jobs-{os.getpid()}"}
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": {**machine(await postgres.version()), "redis": server["redis_version"],
                    "dramatiq": dramatiq.__version__},
        "count": args.count,
        "ubl_count": args.ubl_count,
        "threads": args.threads,
        "relay_interval_seconds": args.relay_interval,
        "redis_namespaces": namespaces,
    }
    setup = await prepare_database(args, postgres)
    cpu = Cpu(postgres, args.database, redis_pid)
    try:
        loop = asyncio.get_running_loop()

        def measure(stop: bool) -> Any:
            reading = cpu.stop(args.count) if stop else cpu.start()
            return asyncio.run_coroutine_threadsafe(reading, loop).result()

        result["raw_dramatiq"] = await asyncio.to_thread(run_raw, args, namespaces["raw"], measure)
        result.update(await run_job_system(args, setup, namespaces["jobs"], cpu))
    finally:
        for namespace in namespaces.values():
            flush_namespace(client, namespace)
        client.close()
        await close_pool(current_engine())
    per_second = result["raw_dramatiq"]["per_second"]
    result["ratio_to_raw"] = {
        key: round(result[key]["per_second"] / per_second, 4) for key in ("noop", "convert_to_ubl") if key in result
    }
    return result


def report(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"date {result['date']}  commit {result['commit']}",
        f"machine: {m['nproc']} cpu ({m['cpu']}), PostgreSQL {m['postgresql']}, Redis {m['redis']}, "
        f"Python {m['python']}, dramatiq {m['dramatiq']}",
        f"workers: 1 process x {result['threads']} threads (in this process), RedisBroker; "
        f"relay interval {result['relay_interval_seconds']} s",
        "",
    ]
    rows = [("raw dramatiq", "messages", result["raw_dramatiq"]),
            ("no-op action", "actions", result.get("noop")),
            ("convert_to_ubl", "invoices", result.get("convert_to_ubl"))]
    for label, unit, phase in rows:
        if phase is None:
            continue
        count = phase.get("messages", phase.get("jobs"))
        ratio = result["ratio_to_raw"].get({"actions": "noop", "invoices": "convert_to_ubl"}.get(unit, ""), None)
        lines.append(f"{label:<15} {phase['per_second']:>9} {unit}/s  ({count} in {phase['seconds']} s"
                     + (f", {ratio:.4f} x raw" if ratio is not None else "")
                     + f"; {phase['steady_per_second']}/s from first to last done)")
        lone = phase["lone_latency"]
        lines.append(f"{'':<15} lone job end to end: p50 {lone['p50_ms']} ms, p99 {lone['p99_ms']} ms "
                     f"(n={lone['count']}); batch: first done after {phase['completion_ms']['first']} ms, "
                     f"half after {phase['completion_ms']['p50']} ms")
        if "prepare" in phase:
            lines.append(f"{'':<15} action prepare p50 {phase['prepare']['p50_ms']} ms / p99 "
                         f"{phase['prepare']['p99_ms']} ms, commit p50 {phase['commit']['p50_ms']} ms / p99 "
                         f"{phase['commit']['p99_ms']} ms")
        if "statuses" in phase:
            lines.append(f"{'':<15} statuses {phase['statuses']}, retried {phase['retried']}"
                         + (f", {phase['attachments']} UBL attachments" if "attachments" in phase else ""))
            for failed in phase["not_succeeded"]:
                lines.append(f"{'':<15} job {failed['id']} {failed['status']} after {failed['attempts']} attempts: "
                             f"{failed['last_error']}")
        cpu = phase["cpu_seconds"]
        lines.append(f"{'':<15} cpu seconds: bench process {cpu['bench_process']} "
                     f"({cpu['bench_process_ms_per_job']} ms/job), postgres {cpu['postgres']} "
                     f"({cpu['postgres_ms_per_job']} ms/job), redis {cpu['redis']}, other processes {cpu['other']}")
    return "\n".join(lines)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500, help="messages (raw) and no-op jobs per run")
    parser.add_argument("--ubl-count", type=int, default=100, help="invoices converted to UBL")
    parser.add_argument("--threads", type=int, default=4, help="dramatiq worker threads (parapheur worker --threads)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured messages / no-op jobs first")
    parser.add_argument("--latency-samples", type=int, default=30, help="lone jobs timed one at a time")
    parser.add_argument("--latency-gap", type=float, default=0.05, help="idle seconds before each lone job")
    parser.add_argument("--relay-interval", type=float, default=0.02,
                        help="outbox relay tick, seconds (PARAPHEUR_RELAY_INTERVAL_SECONDS; default there 0.5)")
    parser.add_argument("--redispatch-after", type=float, default=60.0, help="re-send a dispatched job after (s)")
    parser.add_argument("--poll", type=float, default=0.05, help="how often to count finished jobs, seconds")
    parser.add_argument("--timeout", type=float, default=600, help="give up waiting for a phase after (s)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server (trust auth)")
    parser.add_argument("--database", default="parapheur_jobs_bench", help="recreated on each run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.count < 1 or args.ubl_count < 1 or args.threads < 1:
        parser.error("--count, --ubl-count and --threads must be at least 1")
    return args


if __name__ == "__main__":
    options = arguments()
    outcome_ = asyncio.run(main(options))
    print(json.dumps(outcome_, indent=2, default=str) if options.json else report(outcome_))
    failures = sum(len(outcome_.get(key, {}).get("not_succeeded", [])) for key in ("noop", "convert_to_ubl"))
    sys.exit(1 if failures else 0)

"""The outbox: job rows move PENDING -> RUNNING -> SUCCEEDED | FAILED | CANCELLED.

Every change is a compare-and-set on (status, attempts), so two workers that received the
same message (a re-sent one, or one redelivered after a crash) never both run it: the one
whose claim lands runs, the other sees nothing to do. `attempts` doubles as the lease token.
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.columns.combination import Combinable

from models.database import is_sqlite
from models.records import JobRecord
from models.tables import OutboxJob

PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED = "PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"
FINISHED = (SUCCEEDED, FAILED, CANCELLED)
MAX_ERROR = 4_000


def _now() -> datetime:
    return datetime.now(UTC)


def _due(now: datetime) -> Combinable:
    waiting = (OutboxJob.status == PENDING) & (OutboxJob.run_after.is_null() | (OutboxJob.run_after <= now))
    abandoned = (OutboxJob.status == RUNNING) & (OutboxJob.lease_until < now)
    return waiting | abandoned


async def get(job_id: int) -> JobRecord | None:
    row = await OutboxJob.select().where(OutboxJob.id == job_id).first()
    return JobRecord.of(row) if row else None


async def claim(job_id: int, lease: timedelta) -> JobRecord | None:
    """Take a due job for one attempt; None when it is not due (done, or another worker has it)."""
    now = _now()
    rows = await (
        OutboxJob.update(
            {
                OutboxJob.status: RUNNING,
                OutboxJob.attempts: OutboxJob.attempts + 1,
                OutboxJob.lease_until: now + lease,
                OutboxJob.updated_at: now,
            }
        )
        .where((OutboxJob.id == job_id) & _due(now))
        .returning(*OutboxJob.all_columns())
    )
    return JobRecord.of(rows[0]) if rows else None


async def _settle(job: JobRecord, values: dict[Any, Any]) -> bool:
    """Apply `values` only if this attempt still owns the job."""
    rows = await (
        OutboxJob.update({**values, OutboxJob.updated_at: _now()})
        .where((OutboxJob.id == job.id) & (OutboxJob.status == RUNNING) & (OutboxJob.attempts == job.attempts))
        .returning(OutboxJob.id)
    )
    return bool(rows)


async def succeed(job: JobRecord, result: dict[str, Any]) -> bool:
    now = _now()
    return await _settle(
        job,
        {OutboxJob.status: SUCCEEDED, OutboxJob.result: json.dumps(result), OutboxJob.last_error: None,
         OutboxJob.finished_at: now, OutboxJob.lease_until: None},
    )


async def reschedule(job: JobRecord, error: str, delay: timedelta) -> bool:
    """Back to PENDING after a retryable failure, due again after `delay`."""
    return await _settle(
        job,
        {OutboxJob.status: PENDING, OutboxJob.last_error: error[:MAX_ERROR], OutboxJob.run_after: _now() + delay,
         OutboxJob.lease_until: None, OutboxJob.dispatched_at: None},
    )


async def fail(job: JobRecord, error: str, result: dict[str, Any] | None = None) -> bool:
    now = _now()
    return await _settle(
        job,
        {OutboxJob.status: FAILED, OutboxJob.last_error: error[:MAX_ERROR], OutboxJob.finished_at: now,
         OutboxJob.lease_until: None, OutboxJob.result: json.dumps(result) if result is not None else None},
    )


async def cancel(job: JobRecord, reason: str) -> bool:
    now = _now()
    return await _settle(
        job,
        {OutboxJob.status: CANCELLED, OutboxJob.last_error: reason[:MAX_ERROR], OutboxJob.finished_at: now,
         OutboxJob.lease_until: None},
    )


async def take_for_dispatch(redispatch_after: timedelta, limit: int = 500) -> list[tuple[int, str]]:
    """Due jobs not handed to the broker recently, marked as handed over in the same statement
    (a lost message is sent again after `redispatch_after`; a dead worker's lease expires).
    On PostgreSQL, relays of other processes skip the rows one is taking (SKIP LOCKED).
    Returns (job id, kind) pairs: all the broker message needs."""
    now = _now()
    not_recent = OutboxJob.dispatched_at.is_null() | (OutboxJob.dispatched_at < now - redispatch_after)
    due = OutboxJob.select(OutboxJob.id).where(_due(now) & not_recent).order_by(OutboxJob.id).limit(limit)
    if not is_sqlite():
        due = due.lock_rows("UPDATE", skip_locked=True)
    rows = await (
        OutboxJob.update({OutboxJob.dispatched_at: now})
        .where(OutboxJob.id.is_in(due))
        .returning(OutboxJob.id, OutboxJob.action)
    )
    return [(row["id"], row["action"]) for row in rows]


async def release_dispatch(job_ids: list[int]) -> None:
    """Jobs the broker did not take: due for the next relay tick again."""
    if job_ids:
        await OutboxJob.update({OutboxJob.dispatched_at: None}).where(OutboxJob.id.is_in(job_ids))


async def retry(job_id: int, organisation_id: int) -> JobRecord | None:
    """An administrator's retry of a FAILED job: due now, with a fresh budget of attempts."""
    rows = await (
        OutboxJob.update(
            {OutboxJob.status: PENDING, OutboxJob.attempts: 0, OutboxJob.run_after: None,
             OutboxJob.dispatched_at: None, OutboxJob.finished_at: None, OutboxJob.updated_at: _now()}
        )
        .where((OutboxJob.id == job_id) & (OutboxJob.organisation == organisation_id) & (OutboxJob.status == FAILED))
        .returning(*OutboxJob.all_columns())
    )
    return JobRecord.of(rows[0]) if rows else None


async def find(job_id: int, organisation_id: int) -> JobRecord | None:
    row = await OutboxJob.select().where((OutboxJob.id == job_id) & (OutboxJob.organisation == organisation_id)).first()
    return JobRecord.of(row) if row else None

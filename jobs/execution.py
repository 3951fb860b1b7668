"""Running one job: claim it, check the document still waits for it, act, record the result.

An action has two halves. `prepare` does the outside work (send the e-mail, call the
platform, build and validate the XML) and may be retried; `commit` writes what came of it in
one database transaction together with the job's success, so a crash between the two at
worst repeats the outside work, which every action makes idempotent (the same Message-ID,
the same idempotency key to the platform), and never records it twice.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from jobs.errors import JobError, is_retryable
from jobs.services import Services
from models import jobs as store
from models.database import write_transaction
from models.document_types import PublishedVersion, version_by_id
from models.records import DocumentRecord, JobRecord, OrganisationRecord
from models.tables import Document, Organisation

logger = logging.getLogger("parapheur.jobs")


@dataclass
class JobContext:
    """What an action sees: its job, the document that queued it, its organisation."""

    job: JobRecord
    document: DocumentRecord | None
    version: PublishedVersion | None
    organisation: OrganisationRecord
    services: Services

    @property
    def organisation_id(self) -> int:
        return self.organisation.id


class Action(Protocol):
    """One automated action (generate_purchase_order, email_supplier, …)."""

    async def prepare(self, context: JobContext) -> Any: ...

    async def commit(self, context: JobContext, prepared: Any) -> dict[str, Any]: ...


def backoff(attempt: int, base: float, cap: float) -> timedelta:
    """Exponential: base, 2·base, 4·base… never more than cap."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempt - 1)))


class LeaseExpired(JobError):
    """Raised when a job's lease ran out before its result was recorded: another attempt runs it."""


async def _context(job: JobRecord, services: Services) -> JobContext | None:
    """What the action needs; None when the job's organisation no longer exists."""
    row = await Organisation.select().where(Organisation.id == job.organisation_id).first()
    if row is None:
        return None
    organisation = OrganisationRecord.of(row)
    document = version = None
    if job.document_id is not None:
        row = await Document.select().where(Document.id == job.document_id).first()
        if row is not None:
            document = DocumentRecord.of(row)
            version = await version_by_id(document.type_version_id, job.organisation_id)
    return JobContext(job=job, document=document, version=version, organisation=organisation, services=services)


async def execute(job_id: int, action: Action, services: Services) -> str:
    """Run one attempt of a job; returns the status it ends in (for logs and tests)."""
    policy = services.policy
    job = await store.claim(job_id, timedelta(seconds=policy.lease_seconds))
    if job is None:
        return "SKIPPED"  # finished, not yet due, or another worker holds it
    context = await _context(job, services)
    if context is None:
        await store.cancel(job, f"organisation {job.organisation_id} no longer exists")
        return store.CANCELLED
    expected = job.expected_state
    if expected is not None and (context.document is None or context.document.state != expected):
        found = context.document.state if context.document else "deleted"
        await store.cancel(job, f"the document is in state '{found}', not '{expected}' that queued this action")
        return store.CANCELLED
    try:
        prepared = await action.prepare(context)
        async with write_transaction():
            result = await action.commit(context, prepared)
            if not await store.succeed(job, result):
                raise LeaseExpired("the job's lease expired before it finished; it will run again")
        return store.SUCCEEDED
    except Exception as error:  # every failure is recorded on the job, never lost in a log
        message = f"{type(error).__name__}: {error}" if not str(error) else str(error)
        out_of_attempts = job.attempts >= policy.max_attempts
        if not is_retryable(error) or out_of_attempts:
            if is_retryable(error):
                message = f"{message} (gave up after {job.attempts} attempts)"
            await store.fail(job, message, getattr(error, "result", None))
            logger.warning("job %s (%s) failed: %s", job_id, job.kind, message)
            return store.FAILED
        delay = backoff(job.attempts, policy.backoff_seconds, policy.backoff_cap_seconds)
        await store.reschedule(job, message, delay)
        logger.info("job %s (%s) will retry in %s: %s", job_id, job.kind, delay, message)
        return store.PENDING

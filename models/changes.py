"""The one place that writes a change to a document.

Every writer — creation, edit, workflow transition, the platform's own transitions, platform
statuses, version migration — first decides what should happen (`rules/` decides workflow
moves; the caller checks data and permissions), then hands a `Change` to `apply`, inside its
write transaction and after `lock`. `apply` bumps the version once and writes the document row,
the hash-chained history, the tasks, the audience, the outbox jobs, the webhook events and the
usage event, so no writer can forget one of them or write it twice.

Lock order: a writer locks the document row first (`lock`), then reads the chain's last link
and writes. Two writers of the same document are thus serialised on the row lock (PostgreSQL
`SELECT … FOR UPDATE`; SQLite has one writer at a time, as `write_transaction` starts with
`BEGIN IMMEDIATE`), so the history's `seq` and `prev_hash` are never read by both.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from models import history
from models.database import is_sqlite
from models.document_types import PublishedVersion, version_by_id
from models.errors import NotFound
from models.outcomes import Conflict
from models.records import DocumentRecord, JsonObject
from models.tables import Audience, Document, OutboxJob, Task, UsageEvent
from models.viewers import Viewer, scope_key
from models.webhooks import queue_events
from rules.decisions import Step
from rules.permissions import assignees_of, audience_of

BILLED_EVENT = "document_processed"


@dataclass(frozen=True)
class Change:
    """What a decided change does to a document. Fields left at None stay as they are."""

    steps: Sequence[Step]
    state: str | None = None
    data: JsonObject | None = None
    partner_id: int | None = None  # read only when `data` is given: the partner follows the data
    pinned: PublishedVersion | None = None  # another version of the type (version migration)
    jobs: Sequence[str] = ()  # automated jobs to queue for the state the document rests in
    platform_status: JsonObject | None = None
    platform_polling: bool | None = None
    bill: bool = False  # count the document's one flux (the caller checked the quota)


async def lock(organisation_id: int, document_id: int) -> tuple[DocumentRecord, PublishedVersion]:
    """The document, its row locked until the transaction ends, with the version it is pinned to."""
    query = Document.select().where((Document.id == document_id) & (Document.organisation == organisation_id))
    if not is_sqlite():
        query = query.lock_rows("UPDATE")
    row = await query.first()
    version = await version_by_id(row["type_version"], organisation_id) if row else None
    if row is None or version is None:
        raise NotFound(f"no document with id {document_id}")
    return DocumentRecord.of(row), version


def version_conflict(document: DocumentRecord, expected: int | None) -> Conflict | None:
    """A conflict when the caller loaded another version than the stored one. `None` as
    `expected` means the caller did not say (a transition's `expectedVersion` is optional):
    the change then applies to whatever the document is now."""
    if expected is None or expected == document.version:
        return None
    return Conflict(
        document.version,
        f"The document changed since you loaded it (you had version {expected}, it is now {document.version}); "
        "reload it and try again.",
    )


async def apply(
    document: DocumentRecord, pinned: PublishedVersion, change: Change, *, actor: Viewer | None, now: datetime
) -> DocumentRecord:
    """Write `change` inside the caller's transaction; returns the document as it now is."""
    target = change.pinned or pinned
    updated = document.but(
        state=change.state if change.state is not None else document.state,
        data=change.data if change.data is not None else document.data,
        partner_id=change.partner_id if change.data is not None else document.partner_id,
        type_version_id=target.id,
        version=document.version + 1,
        updated_at=now,
        platform_status=change.platform_status if change.platform_status is not None else document.platform_status,
        platform_polling=change.platform_polling if change.platform_polling is not None else document.platform_polling,
    )
    values: dict[object, object] = {Document.version: updated.version, Document.updated_at: now}
    if updated.state != document.state:
        values[Document.state] = updated.state
    if change.data is not None:
        values[Document.data] = json.dumps(updated.data)
        values[Document.partner] = updated.partner_id
    if change.pinned is not None:
        values[Document.type_version] = target.id
    if change.platform_status is not None:
        values[Document.platform_status] = json.dumps(updated.platform_status)
    if change.platform_polling is not None:
        values[Document.platform_polling] = updated.platform_polling
    await Document.update(values).where(Document.id == document.id)  # type: ignore[arg-type]

    seq = await _write_history(updated, change.steps, actor, now)
    await queue_events(updated, change.steps, seq, now)
    reshaped = change.state is not None or change.data is not None or change.pinned is not None
    if reshaped:  # who the document waits for follows its state and data
        await _open_tasks(updated, target, now)
    if change.data is not None or change.pinned is not None or document.version == 0:
        await _write_audience(updated, target)
    if change.jobs:
        await _queue_jobs(updated, change.jobs, seq, now)
    if change.bill:
        await UsageEvent.insert(
            UsageEvent(organisation=updated.organisation_id, document=updated.id, kind=BILLED_EVENT, at=now)
        )
    return updated


async def _write_history(document: DocumentRecord, steps: Sequence[Step], actor: Viewer | None, now: datetime) -> int:
    """Seal one entry per step onto the chain (the row lock makes the last link ours); returns
    the last sequence number, which also keys the jobs and events this change queues."""
    seq, prev = await history.last_link(document.id)
    entries = []
    for step in steps:
        seq += 1
        by_person = not step.automatic and actor is not None
        entry = history.seal(
            organisation_id=document.organisation_id,
            document_id=document.id,
            seq=seq,
            prev_hash=prev,
            at=now,
            actor_id=actor.user_id if by_person and actor else None,
            actor_name=actor.username if by_person and actor else None,
            action=step.action,
            from_state=step.from_state,
            to_state=step.to_state,
            comment=step.comment,
        )
        prev = entry.hash
        entries.append(entry)
    if entries:
        await history.HistoryEntry.insert(*entries)
    return seq


async def _queue_jobs(document: DocumentRecord, jobs: Sequence[str], seq: int, now: datetime) -> None:
    """Outbox rows for the automated jobs of the state the document rests in. The key names the
    history entry that queued them, so replaying the same change can never queue them twice."""
    await OutboxJob.insert(
        *(
            OutboxJob(
                organisation=document.organisation_id,
                document=document.id,
                action=job,  # the column is named `action`: it holds the job's kind
                idempotency_key=f"{document.id}:{seq}:{job}",
                expected_state=document.state,
                created_at=now,
                updated_at=now,
            )
            for job in jobs
        )
    )


async def _open_tasks(document: DocumentRecord, pinned: PublishedVersion, now: datetime) -> None:
    """Close what the document waited on, open what it waits on in its state."""
    await Task.update({Task.closed_at: now}).where((Task.document == document.id) & (Task.closed_at.is_null()))
    sla = pinned.workflow.states[document.state].sla_hours
    due = now + timedelta(hours=sla) if sla else None
    tasks = [
        Task(
            organisation=document.organisation_id,
            document=document.id,
            state=document.state,
            role=assignment.role,
            scope=scope_key(assignment.scope),
            user=document.created_by if assignment.creator else None,
            opened_at=now,
            due_at=due,
        )
        for assignment in assignees_of(pinned.workflow, document.state, document.data)
    ]
    if tasks:
        await Task.insert(*tasks)


async def _write_audience(document: DocumentRecord, pinned: PublishedVersion) -> None:
    """Who may see the document follows its data (e.g. its department): recompute on change."""
    await Audience.delete().where(Audience.document == document.id)
    pairs = {
        (a.role, scope_key(a.scope)) for a in audience_of(pinned.workflow, document.data) if a.role is not None
    }
    if pairs:
        await Audience.insert(
            *(
                Audience(organisation=document.organisation_id, document=document.id, role=role, scope=scope)
                for role, scope in sorted(pairs)
            )
        )

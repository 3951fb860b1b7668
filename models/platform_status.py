"""The e-invoicing platform's view of each sent invoice, kept on the document.

`record` stores the flow's status on the document, with a history entry when it changed
(the hash-chained audit trail) and the polling flag: on while the status is not final and
the invoice rests in the state it was sent from. `queue_polls` is what the poller runs:
one `poll_platform_status` outbox job per polled document and time slot, whose idempotency
key makes every process that runs it at the same time insert it once; `forget_earlier_polls`
keeps only the latest succeeded one.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from models.changes import Change, apply, lock
from models.document_types import PublishedVersion
from models.jobs import PENDING, RUNNING, SUCCEEDED
from models.records import DocumentRecord, json_value
from models.tables import Document, OutboxJob
from rules.decisions import Step
from rules.lifecycle import UNKNOWN, UNKNOWN_GIVE_UP_SLOTS, Meaning, label, meaning

POLL_ACTION = "poll_platform_status"
STATUS_ACTION = "platform_status"


@dataclass(frozen=True)
class Recorded:
    """What `record` did: `changed` is False when the platform said what it said last time."""

    changed: bool
    meaning: Meaning
    document: DocumentRecord


def describe(flow_id: str, status: str, found: Meaning) -> str:
    return f"e-invoicing platform, flow {flow_id}: {status} ({found.key}{', final' if found.final else ''})"


async def _write(document: DocumentRecord, pinned: PublishedVersion, current: dict[str, Any], polling: bool,
                 comment: str, now: datetime) -> DocumentRecord:
    """The document's new platform status, through the one write path (version, history entry,
    webhook event; no tasks, since neither its state nor its data changes)."""
    step = Step(STATUS_ACTION, "Platform status", document.state, document.state, automatic=True, comment=comment)
    change = Change(steps=[step], platform_status=current, platform_polling=polling)
    return await apply(document, pinned, change, actor=None, now=now)


async def record(
    organisation_id: int, document_id: int, flow_id: str, status: str, *, new_flow: bool = False,
    found: Meaning | None = None,
) -> Recorded:
    """Store the flow's status on the document, inside the caller's transaction.

    A new flow (`new_flow`: just submitted), or a new status of the document's flow, bumps the
    document's version, adds a `platform_status` history entry (no actor: the platform) and the
    webhook event; the same status again writes nothing, and so does the status of a flow the
    document no longer follows (a poll queued before the invoice was corrected and sent again).
    Polling goes on while the status is not final. `found` overrides the lifecycle meaning of
    `status` (an acknowledgement is not a lifecycle status: `rules.lifecycle.acknowledgement`)."""
    row, pinned = await lock(organisation_id, document_id)
    acknowledged = found is not None
    found = found or meaning(status)
    previous = row.platform_status or {}
    same_flow = previous.get("flow_id") == flow_id
    if (same_flow and previous.get("status") == status) or not (same_flow or new_flow):
        return Recorded(False, found, row)
    now = datetime.now(UTC)
    if acknowledged and previous.get("lifecycle"):
        # A lifecycle status came first (a poll answered late): it stays what the document shows.
        if previous.get("acknowledgement") == status:
            return Recorded(False, found, row)
        current = {**previous, "acknowledgement": status}
        polling = row.platform_polling and not found.final
    else:
        current = {"flow_id": flow_id, "status": status, "meaning": found.key, "final": found.final,
                   "state": row.state, "at": now.isoformat(), "lifecycle": previous.get("lifecycle", []),
                   "acknowledgement": status if acknowledged else previous.get("acknowledgement")}
        polling = not found.final
    row = await _write(row, pinned, current, polling, describe(flow_id, status, found), now)
    return Recorded(True, found, row)


# --- lifecycle statuses sent and received (CDAR) ------------------------------------------------


class Direction(Enum):
    SENT = "SENT"  # we emitted it (a 212 Encaissée when the invoice is marked paid)
    RECEIVED = "RECEIVED"  # the platform delivered it (a 210 Refusée from the buyer, a 213 Rejetée…)


@dataclass(frozen=True)
class LifecycleEntry:
    """One lifecycle status about an invoice, as `Document.lifecycle` lists them."""

    code: str
    label: str
    at: datetime
    direction: Direction
    reason: str = ""
    flow_id: str = ""


def lifecycle(document: DocumentRecord) -> list[LifecycleEntry]:
    """Every lifecycle status sent and received about the document, oldest first."""
    status = document.platform_status or {}
    return sorted(
        (LifecycleEntry(item["code"], label(item["code"]), datetime.fromisoformat(item["at"]),
                        Direction(item["direction"]), item.get("reason", ""), item.get("flow_id", ""))
         for item in status.get("lifecycle", [])),
        key=lambda entry: entry.at,
    )


async def record_lifecycle(organisation_id: int, document_id: int, entry: LifecycleEntry) -> Recorded:
    """Add a status sent or received to the document, inside the caller's transaction: the
    platform status shows it, the history says it, and a final one ends the polling. The same
    status flow twice (a re-run job) writes nothing. The flow the invoice was sent in stays the
    followed one: a status flow is about it, not a replacement."""
    row, pinned = await lock(organisation_id, document_id)
    found = meaning(entry.code)
    previous = row.platform_status or {}
    entries = list(previous.get("lifecycle", []))
    if entry.flow_id and any(item.get("flow_id") == entry.flow_id for item in entries):
        return Recorded(False, found, row)
    entries.append({"code": entry.code, "at": entry.at.isoformat(), "direction": entry.direction.value,
                    "reason": entry.reason, "flow_id": entry.flow_id})
    now = datetime.now(UTC)
    status = f"{entry.code} {label(entry.code)}"
    current = {**previous, "flow_id": previous.get("flow_id") or entry.flow_id, "status": status,
               "meaning": found.key, "final": found.final, "state": row.state, "at": now.isoformat(),
               "lifecycle": entries}
    said = "sent" if entry.direction is Direction.SENT else "received"
    comment = (f"e-invoicing platform, status {said} in flow {entry.flow_id}: {status} ({found.key}"
               f"{', final' if found.final else ''})" + (f"; reason: {entry.reason}" if entry.reason else ""))
    polling = row.platform_polling and not found.final
    row = await _write(row, pinned, current, polling, comment, now)
    return Recorded(True, found, row)


async def queue_polls(now: datetime, every: float) -> int:
    """Queue a status poll for every document due one in the slot of `now` (slots are `every`
    seconds long); returns how many this call inserted. Safe to run in many processes at once.

    Left out: documents whose organisation has no platform configured now, and those with a
    poll still pending or running (a platform that is down is not asked twice at once).
    A document that left the state it was sent from stops being polled."""
    slot = int(now.timestamp() // every)
    polled = await Document.select(
        Document.id, Document.organisation, Document.state, Document.version, Document.platform_status,
        Document.organisation.einvoicing_platform.as_alias("platform"),
    ).where(Document.platform_polling == True)  # noqa: E712
    if not polled:
        return 0
    busy = {
        job["document"]
        for job in await OutboxJob.select(OutboxJob.document).where(
            (OutboxJob.action == POLL_ACTION) & OutboxJob.status.is_in([PENDING, RUNNING])
            & OutboxJob.document.is_in([row["id"] for row in polled])
        )
    }
    jobs = []
    for row in polled:
        status = json_value(row["platform_status"]) or {}
        if row["state"] != status.get("state") or _given_up(status, now, every):
            await Document.update({Document.platform_polling: False}).where(
                (Document.id == row["id"]) & (Document.version == row["version"])
            )  # unless it changed since: then the next tick looks again
            continue
        if row["id"] in busy or not json_value(row["platform"]):
            continue
        jobs.append(
            OutboxJob(organisation=row["organisation"], document=row["id"], action=POLL_ACTION,
                      idempotency_key=f"{POLL_ACTION}:{row['id']}:{slot}", expected_state=row["state"],
                      payload=json.dumps({"flow_id": status.get("flow_id")}), created_at=now, updated_at=now)
        )
    if not jobs:
        return 0
    inserted = await OutboxJob.insert(*jobs).on_conflict(action="DO NOTHING").returning(OutboxJob.id)
    return len(inserted)



def _given_up(status: dict[str, Any], now: datetime, every: float) -> bool:
    """A status nobody knows that has not changed for `UNKNOWN_GIVE_UP_SLOTS` slots: stop asking
    (it is recorded; a received status flow can still move the invoice)."""
    if status.get("meaning") != UNKNOWN.key or not status.get("at"):
        return False
    return now - datetime.fromisoformat(status["at"]) > timedelta(seconds=every * UNKNOWN_GIVE_UP_SLOTS)


async def forget_earlier_polls(document_id: int, job_id: int) -> None:
    """Keep one succeeded poll per document, the latest (what the platform said, and when):
    the history keeps every change, and `Document.jobs` does not grow by one job a slot.
    Failed polls stay, with their errors. Their slots are past, so nothing queues them again."""
    await OutboxJob.delete().where(
        (OutboxJob.document == document_id) & (OutboxJob.action == POLL_ACTION)
        & (OutboxJob.status == SUCCEEDED) & (OutboxJob.id != job_id)
    )

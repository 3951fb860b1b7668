"""Flows the organisation receives on its e-invoicing platform: the cursor and one job per flow.

The poller queues one `fetch_received_flows` job per organisation and slot (the idempotency key
holds the slot, as for status polls). That job lists the flows received since the cursor of the
latest one that succeeded (its result holds it: no column, no migration) and, in its commit,
queues one job per flow whose idempotency key is the flow id: a flow listed twice (a crash
between listing and commit, an overlapping page) is taken once. A flow that cannot be read
fails its own job with the reason and never holds the cursor back.
"""

import json
from datetime import datetime
from typing import Any

from models.jobs import PENDING, RUNNING, SUCCEEDED
from models.records import DocumentRecord
from models.tables import Document, DocumentType, Organisation, OutboxJob

FETCH_ACTION = "fetch_received_flows"


async def last_cursor(organisation_id: int) -> str | None:
    """Where the latest successful listing stopped; None before the first one."""
    row = await OutboxJob.select(OutboxJob.result).where(
        (OutboxJob.organisation == organisation_id) & (OutboxJob.action == FETCH_ACTION)
        & (OutboxJob.status == SUCCEEDED)
    ).order_by(OutboxJob.finished_at, ascending=False).order_by(OutboxJob.id, ascending=False).first()
    result = row and row["result"]
    if isinstance(result, str):
        result = json.loads(result)
    return (result or {}).get("cursor")


async def queue_flow_jobs(organisation_id: int, jobs: list[tuple[str, str, dict[str, Any]]], now: datetime) -> int:
    """Queue (action, flow id, payload) jobs, once per action and flow; returns how many are new."""
    if not jobs:
        return 0
    rows = [OutboxJob(organisation=organisation_id, document=None, action=action,
                      idempotency_key=f"{action}:{organisation_id}:{flow_id}"[:200],
                      payload=json.dumps({**payload, "flow_id": flow_id}), created_at=now, updated_at=now)
            for action, flow_id, payload in jobs]
    inserted = await OutboxJob.insert(*rows).on_conflict(action="DO NOTHING").returning(OutboxJob.id)
    return len(inserted)


async def queue_fetches(now: datetime, every: float) -> int:
    """One listing per organisation with a platform and slot, unless one is pending or running."""
    slot = int(now.timestamp() // every)
    organisations = [row["id"] for row in await Organisation.select(Organisation.id, Organisation.einvoicing_platform)
                     if row["einvoicing_platform"] not in (None, "", "null", {})]
    if not organisations:
        return 0
    busy = {row["organisation"] for row in await OutboxJob.select(OutboxJob.organisation).where(
        (OutboxJob.action == FETCH_ACTION) & OutboxJob.status.is_in([PENDING, RUNNING])
        & OutboxJob.organisation.is_in(organisations))}
    rows = [OutboxJob(organisation=organisation, document=None, action=FETCH_ACTION,
                      idempotency_key=f"{FETCH_ACTION}:{organisation}:{slot}", payload="{}",
                      created_at=now, updated_at=now)
            for organisation in organisations if organisation not in busy]
    if not rows:
        return 0
    return len(await OutboxJob.insert(*rows).on_conflict(action="DO NOTHING").returning(OutboxJob.id))


async def forget_earlier_fetches(organisation_id: int, job_id: int) -> None:
    """Keep the latest succeeded listing (it holds the cursor); failed ones stay with their errors."""
    await OutboxJob.delete().where(
        (OutboxJob.organisation == organisation_id) & (OutboxJob.action == FETCH_ACTION)
        & (OutboxJob.status == SUCCEEDED) & (OutboxJob.id != job_id)
    )


async def customer_invoice(organisation_id: int, number: str) -> DocumentRecord | None:
    """Our customer invoice numbered `number`, which a received status is about."""
    types = [row["id"] for row in await DocumentType.select(DocumentType.id).where(
        (DocumentType.organisation == organisation_id) & (DocumentType.key == "customer_invoice"))]
    if not types:
        return None
    row = await Document.select().where(
        (Document.organisation == organisation_id) & (Document.number == number)
        & (Document.document_type.is_in(types))
    ).first()
    return DocumentRecord.of(row) if row else None

"""Queueing document events for the organisation's webhook endpoints, in the transition's
own transaction (so an event is sent if and only if the change committed)."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from models.records import DocumentRecord, json_value
from models.tables import OutboxJob, WebhookEndpoint
from rules.decisions import Step

EVENT = "document.transitioned"


def _wants(events: Any, event: str) -> bool:
    names = json_value(events) or []
    return "*" in names or event in names


async def queue_events(document: DocumentRecord, steps: Sequence[Step], seq: int, now: datetime) -> None:
    """One `deliver_webhook` job per endpoint that wants the event; keyed by the history entry,
    so the same change never queues the same delivery twice."""
    endpoints = await WebhookEndpoint.select(WebhookEndpoint.id, WebhookEndpoint.events).where(
        (WebhookEndpoint.organisation == document.organisation_id) & (WebhookEndpoint.active == True)  # noqa: E712
    )
    wanted = [e for e in endpoints if _wants(e["events"], EVENT)]
    if not wanted:
        return
    body = {
        "event": EVENT,
        "document": {"id": str(document.id), "number": document.number, "state": steps[-1].to_state,
                     "version": document.version},
        "steps": [{"action": s.action, "from": s.from_state, "to": s.to_state, "automatic": s.automatic}
                  for s in steps],
        "at": now.isoformat(),
    }
    await OutboxJob.insert(
        *(
            OutboxJob(
                organisation=document.organisation_id,
                document=document.id,
                action="deliver_webhook",
                idempotency_key=f"webhook:{endpoint['id']}:{document.id}:{seq}",
                payload=json.dumps({"endpoint": endpoint["id"], "event": EVENT, "body": body}),
                created_at=now,
                updated_at=now,
            )
            for endpoint in wanted
        )
    )

"""Queueing document events for the organisation's webhook endpoints, in the transition's
own transaction (so an event is sent if and only if the change committed)."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from models.tables import OutboxJob, WebhookEndpoint

EVENT = "document.transitioned"


def _wants(events: Any, event: str) -> bool:
    names = json.loads(events) if isinstance(events, str) else (events or [])
    return "*" in names or event in names


async def queue_events(row: dict[str, Any], steps: Sequence[Any], seq: int, now: datetime) -> None:
    endpoints = await WebhookEndpoint.select(WebhookEndpoint.id, WebhookEndpoint.events).where(
        (WebhookEndpoint.organisation == row["organisation"]) & (WebhookEndpoint.active == True)  # noqa: E712
    )
    wanted = [e for e in endpoints if _wants(e["events"], EVENT)]
    if not wanted:
        return
    body = {
        "event": EVENT,
        "document": {"id": str(row["id"]), "number": row["number"], "state": steps[-1].to_state,
                     "version": row["version"]},
        "steps": [{"action": s.action, "from": s.from_state, "to": s.to_state, "automatic": s.automatic}
                  for s in steps],
        "at": now.isoformat(),
    }
    await OutboxJob.insert(
        *(
            OutboxJob(
                organisation=row["organisation"],
                document=row["id"],
                action="deliver_webhook",
                idempotency_key=f"webhook:{endpoint['id']}:{row['id']}:{seq}",
                payload=json.dumps({"endpoint": endpoint["id"], "event": EVENT, "body": body}),
                created_at=now,
                updated_at=now,
            )
            for endpoint in wanted
        )
    )

"""`deliver_webhook`: one document event to one registered endpoint, signed with its secret."""

from typing import Any

from jobs.errors import PermanentJobError
from jobs.execution import JobContext
from models.tables import WebhookEndpoint


class DeliverWebhook:
    async def prepare(self, context: JobContext) -> int:
        payload = context.job.payload
        endpoint = await WebhookEndpoint.select().where(
            (WebhookEndpoint.id == payload.get("endpoint")) & (WebhookEndpoint.organisation == context.organisation_id)
        ).first()
        if endpoint is None or not endpoint["active"]:
            raise PermanentJobError("the webhook endpoint was removed or deactivated")
        sender = context.services.webhook_sender
        if sender is None:
            raise PermanentJobError("no webhook sender configured")
        body = dict(payload["body"])
        if context.document is not None:  # numbers are given at commit: send the final one
            body["document"] = {**body["document"], "number": context.document.number}
        return await sender.deliver(
            endpoint["url"], payload["event"], body, endpoint["secret"].encode(), context.job.idempotency_key
        )

    async def commit(self, context: JobContext, prepared: int) -> dict[str, Any]:
        return {"status": prepared}

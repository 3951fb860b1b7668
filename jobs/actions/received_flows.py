"""`fetch_received_flows` and `apply_received_status`: what the organisation receives on its
e-invoicing platform, taken in.

The listing job (one per organisation and poll slot, `models.received_flows`) asks the platform
for the flows received since the stored cursor and queues one job per flow by its kind
(`HANDLERS`); it records the new cursor in its result. `apply_received_status` downloads a CDAR
status flow, checks it (XSD, BR-FR-CDV), finds the customer invoice it is about and records the
status on it; a final status takes its workflow action as the platform (refused, rejected,
cancelled, paid). A platform that is down makes either job retry; a flow that is not a valid
CDAR, or is about no invoice of ours, fails its job at once with the reason and changes nothing.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jobs import cdar
from jobs.actions.platform_status import platform_config, take_action
from jobs.connectors.platforms import FlowKind, Received
from jobs.errors import PermanentJobError
from jobs.execution import JobContext
from models import platform_status, received_flows
from models.platform_status import Direction, LifecycleEntry

APPLY_STATUS_ACTION = "apply_received_status"
MAX_PAGES = 20  # per run; the next slot goes on from the cursor

# The action that takes each kind of received flow. Supplier invoices are for the reception
# pipeline (its action registers here); a kind with no action is listed as ignored in the result.
HANDLERS: dict[FlowKind, str] = {FlowKind.STATUS: APPLY_STATUS_ACTION}


@dataclass(frozen=True)
class Listed:
    pages: tuple[Received, ...]
    cursor: str | None


class FetchReceivedFlows:
    async def prepare(self, context: JobContext) -> Listed:
        platform = context.services.platform_for(platform_config(context))
        cursor = await received_flows.last_cursor(context.organisation_id)
        pages = []
        for _ in range(MAX_PAGES):
            page = await platform.received(cursor)
            pages.append(page)
            cursor = page.cursor
            if not page.more:
                break
        return Listed(tuple(pages), cursor)

    async def commit(self, context: JobContext, prepared: Listed) -> dict[str, Any]:
        flows = [flow for page in prepared.pages for flow in page.flows]
        jobs = [(HANDLERS[flow.kind], flow.flow_id, {"syntax": flow.syntax, "name": flow.name})
                for flow in flows if flow.kind in HANDLERS]
        queued = await received_flows.queue_flow_jobs(context.organisation_id, jobs, datetime.now(UTC))
        await received_flows.forget_earlier_fetches(context.organisation_id, context.job.id)
        return {"cursor": prepared.cursor, "listed": len(flows), "queued": queued,
                "ignored": [{"flow_id": f.flow_id, "kind": f.kind.value, "syntax": f.syntax}
                            for f in flows if f.kind not in HANDLERS]}


def _flow_id(context: JobContext) -> str:
    flow_id = context.job.payload.get("flow_id")
    if not flow_id:
        raise PermanentJobError("the job names no received flow (payload 'flow_id'); the listing queues it with one")
    return str(flow_id)


class ApplyReceivedStatus:
    async def prepare(self, context: JobContext) -> cdar.StatusMessage:
        platform = context.services.platform_for(platform_config(context))
        flow_id = _flow_id(context)
        content = await platform.download(flow_id)
        try:
            return cdar.parse(content)
        except cdar.CdarError as error:
            raise PermanentJobError(f"received flow {flow_id}: {error}") from None

    async def commit(self, context: JobContext, prepared: cdar.StatusMessage) -> dict[str, Any]:
        flow_id, organisation = _flow_id(context), context.organisation
        where = f"received flow {flow_id} (status {prepared.code} about invoice {prepared.invoice_number!r})"
        ours = organisation.siren
        if ours and prepared.seller.siren and prepared.seller.siren != ours:
            raise PermanentJobError(f"{where}: the seller SIREN {prepared.seller.siren} is not ours ({ours}); "
                                    "a status about someone else's invoice was delivered to us")
        invoice = await received_flows.customer_invoice(context.organisation_id, prepared.invoice_number)
        if invoice is None:
            raise PermanentJobError(f"{where}: no customer invoice of ours has that number; check the number "
                                    "with the platform, then retry the job")
        reason = " ".join(part for part in (prepared.reason_code, prepared.reason_text) if part)
        entry = LifecycleEntry(prepared.code, "", prepared.issued_at, Direction.RECEIVED, reason, flow_id)
        recorded = await platform_status.record_lifecycle(context.organisation_id, invoice.id, entry)
        result: dict[str, Any] = {"flow_id": flow_id, "document_id": invoice.id, "code": prepared.code,
                                  "meaning": recorded.meaning.key, "changed": recorded.changed}
        if recorded.changed:
            comment = f"{prepared.code} received in flow {flow_id}" + (f": {reason}" if reason else "")
            result.update(await take_action(context.organisation_id, invoice.id, recorded.meaning.action, comment))
        return result

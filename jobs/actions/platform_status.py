"""`poll_platform_status`: ask the e-invoicing platform where a sent invoice stands.

Queued by the poller (`jobs/poller.py`) once per slot while the document is polled. A new
status is recorded on the document with a history entry; a final one (rejected, refused,
paid: `rules/lifecycle.py`) also takes its workflow action as the platform, in the same
transaction. A platform that is down makes the job retry with backoff, then fail with the
error; the document is left as it was.
"""

from typing import Any

from jobs.connectors.platforms import Submission
from jobs.errors import PermanentJobError
from jobs.execution import JobContext
from models import platform_status
from models.documents import transition_for_platform
from models.errors import PlatformActionRefused
from rules.lifecycle import acknowledgement


def platform_config(context: JobContext) -> dict[str, Any]:
    """The organisation's e-invoicing platform configuration; none fails the job at once."""
    config = context.organisation.einvoicing_platform
    if not config:
        raise PermanentJobError(
            "no e-invoicing platform configured for the organisation (einvoicing_platform); "
            "configure one, then retry the job"
        )
    return config


async def follow(context: JobContext, flow_id: str, answer: Submission, *, new_flow: bool = False) -> dict[str, Any]:
    """Record the platform's answer on the invoice and, when its status is final and new, take
    the workflow action it means (inside the job's transaction); returns the job's result."""
    invoice = context.document
    assert invoice is not None
    result: dict[str, Any] = {"flow_id": flow_id, "status": answer.status, "platform_answer": answer.raw}
    # An acknowledgement (did the platform take the file) is recorded, never taken as a status.
    found = None if answer.lifecycle else acknowledgement(answer.status)
    recorded = await platform_status.record(context.organisation_id, invoice.id, flow_id, answer.status,
                                            new_flow=new_flow, found=found)
    result.update(meaning=recorded.meaning.key, final=recorded.meaning.final, changed=recorded.changed)
    if recorded.changed:
        comment = platform_status.describe(flow_id, answer.status, recorded.meaning)
        result.update(await take_action(context.organisation_id, invoice.id, recorded.meaning.action, comment))
    return result


async def take_action(organisation_id: int, document_id: int, action: str | None, comment: str) -> dict[str, Any]:
    """The workflow action a final status means, taken as the platform; a workflow without that
    transition from the current state refuses it, and the status stays recorded all the same."""
    if action is None:
        return {}
    try:
        moved = await transition_for_platform(organisation_id, document_id, action, comment)
    except PlatformActionRefused as refused:
        return {"transition_refused": str(refused)}
    return {"state": moved.state}


def _flow_id(context: JobContext) -> str:
    flow_id = context.job.payload.get("flow_id")
    if not flow_id:
        raise PermanentJobError("the poll names no flow id (payload 'flow_id'); the poller queues it with one")
    return str(flow_id)


class PollPlatformStatus:
    async def prepare(self, context: JobContext) -> Submission:
        if context.document is None:
            raise PermanentJobError("the invoice is gone")
        platform = context.services.platform_for(platform_config(context))
        return await platform.status(_flow_id(context))

    async def commit(self, context: JobContext, prepared: Submission) -> dict[str, Any]:
        assert context.document is not None
        await platform_status.forget_earlier_polls(context.document.id, context.job.id)
        return await follow(context, _flow_id(context), prepared)

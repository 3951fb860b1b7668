"""`convert_to_ubl` and `send_to_platform`: a validated customer invoice becomes a UBL 2.1
invoice checked against EN 16931, then goes to the organisation's e-invoicing platform."""

import asyncio
from dataclasses import dataclass
from typing import Any

from jobs.actions.parties import organisation_party, partner_party
from jobs.actions.platform_status import follow, platform_config
from jobs.connectors.platforms import Submission
from jobs.en16931 import Report, validate_ubl
from jobs.errors import PermanentJobError
from jobs.execution import JobContext
from jobs.ubl import build_invoice
from models import attachments

UBL_KIND = "ubl"


class InvalidInvoice(PermanentJobError):
    """Raised when the generated UBL breaks the XSD or an EN 16931 rule; `result` lists them."""

    def __init__(self, report: Report):
        self.result = {
            "xsd_errors": report.xsd_errors[:50],
            "violations": [
                {"rule": v.rule, "flag": v.flag, "location": v.location, "message": v.message}
                for v in report.violations[:100]
            ],
        }
        rules = ", ".join(sorted({v.rule for v in report.fatal})) or "XSD"
        first = report.xsd_errors[:1] or [v.message for v in report.fatal[:1]]
        super().__init__(f"the UBL invoice breaks {rules}: {first[0] if first else ''}".strip())


def _checked_invoice(data: dict[str, Any]) -> bytes:
    xml = build_invoice(data)
    report = validate_ubl(xml)
    if not report.ok:
        raise InvalidInvoice(report)
    return xml


class ConvertToUbl:
    async def prepare(self, context: JobContext) -> bytes:
        invoice = context.document
        if invoice is None:
            raise PermanentJobError("the invoice is gone")
        data = {
            **invoice.data,
            "number": invoice.number,
            "seller": organisation_party(context.organisation),
            "buyer": await partner_party(context.organisation_id, "customers", invoice.data.get("customer")),
        }
        # CPU-bound (and the first call compiles the EN 16931 XSLT): off the loop that serves
        # the database and, in `serve`, HTTP requests.
        return await asyncio.to_thread(_checked_invoice, data)

    async def commit(self, context: JobContext, prepared: bytes) -> dict[str, Any]:
        invoice = context.document
        assert invoice is not None
        stored = await attachments.store(context.organisation_id, invoice.id, UBL_KIND, f"{invoice.number}.xml",
                                         "application/xml", prepared)
        return {"attachment_id": stored.id, "sha256": stored.sha256, "size": stored.size}


@dataclass(frozen=True)
class Submitted:
    submission: Submission
    sha256: str


class SendToPlatform:
    async def prepare(self, context: JobContext) -> Submitted:
        invoice = context.document
        if invoice is None:
            raise PermanentJobError("the invoice is gone")
        config = platform_config(context)
        ubl = await attachments.latest(context.organisation_id, invoice.id, UBL_KIND)
        if ubl is None or ubl.content is None:
            raise PermanentJobError(f"{invoice.number} has no UBL file yet; convert it first")
        platform = context.services.platform_for(config)
        submission = await platform.submit(ubl.filename, ubl.content, context.job.idempotency_key)
        return Submitted(submission, ubl.sha256)

    async def commit(self, context: JobContext, prepared: Submitted) -> dict[str, Any]:
        submission = prepared.submission
        # The flow's first status, on the document; from now on the poller follows it.
        followed = await follow(context, submission.flow_id, submission, new_flow=True)
        return {**followed, "ubl_sha256": prepared.sha256}

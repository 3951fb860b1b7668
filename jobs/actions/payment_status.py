"""`send_payment_status`: the seller tells the buyer, through the platforms, that it cashed the
invoice: a CDAR 212 Encaissée flow (XP Z12-014: 212 is sent by the seller, and the tax
administration needs it when VAT is due on payment).

Queued on entering `paid` (`customer_invoice` workflow). The amounts cashed are per VAT rate:
the whole invoice (the EN 16931 totals of `jobs.ubl`), or, for a partial payment, the
`payments` list of the document data (`[{"amount": "60.00", "vat_rate": "20"}]`). Skipped when
the invoice was marked paid by a 212 the platform delivered (nothing to tell), or when the
organisation has no platform (the invoice never went through one).
"""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from jobs import cdar
from jobs.actions.parties import organisation_party, partner_party
from jobs.actions.platform_status import platform_config
from jobs.connectors.platforms import Submission
from jobs.errors import PermanentJobError
from jobs.execution import JobContext
from jobs.ubl import cents, invoice_totals
from models import platform_status
from models.platform_status import Direction, LifecycleEntry

PAID = "212"


@dataclass(frozen=True)
class Sent:
    message: cdar.StatusMessage | None  # None: nothing to send (see the module doc)
    submission: Submission | None = None
    skipped: str = ""


def payments(data: dict[str, Any], invoice: str) -> tuple[cdar.Payment, ...]:
    """What was cashed per VAT rate: the `payments` the data lists, else the whole invoice."""
    listed = data.get("payments")
    if listed:
        try:
            return tuple(cdar.Payment(cents(Decimal(str(item["amount"]))), Decimal(str(item["vat_rate"])))
                         for item in listed)
        except (KeyError, TypeError, InvalidOperation):
            raise PermanentJobError(f"{invoice}: 'payments' must list {{amount, vat_rate}} numbers, got "
                                    f"{json.dumps(listed)[:200]}") from None
    breakdown = invoice_totals(data)["vat_breakdown"]
    return tuple(cdar.Payment(cents(row["taxable"] + row["tax"]), row["rate"]) for row in breakdown)


class SendPaymentStatus:
    async def prepare(self, context: JobContext) -> Sent:
        invoice = context.document
        if invoice is None:
            raise PermanentJobError("the invoice is gone")
        entries = platform_status.lifecycle(invoice)
        if entries and entries[-1].direction is Direction.RECEIVED and entries[-1].code == PAID:
            return Sent(None, skipped="the platform delivered the 212 that marked it paid")
        if not context.organisation.einvoicing_platform:
            return Sent(None, skipped="no e-invoicing platform configured")
        data, number = invoice.data, invoice.number
        seller = organisation_party(context.organisation)
        buyer = await partner_party(context.organisation_id, "customers", data.get("customer"))
        if not seller.get("siren") or not buyer.get("siren"):
            raise PermanentJobError(f"{number}: the payment status names seller and buyer by SIREN; "
                                    "fill in the SIREN of the organisation and of the customer, then retry")
        message = cdar.StatusMessage(
            message_id=f"{number}-{PAID}-{context.job.id}", issued_at=datetime.now(UTC).replace(microsecond=0),
            code=PAID, invoice_number=number, invoice_issue_date=date.fromisoformat(data["issue_date"]),
            seller=cdar.Party(seller["siren"], seller.get("name", ""), seller.get("electronic_address", "")),
            buyer=cdar.Party(buyer["siren"], buyer.get("name", ""), buyer.get("electronic_address", "")),
            payments=payments({**data, "number": number, "seller": seller, "buyer": buyer}, number),
        )
        xml = cdar.build(message)
        platform = context.services.platform_for(platform_config(context))
        submission = await platform.submit(f"{number}-{PAID}.xml", xml, context.job.idempotency_key,
                                           syntax="CDAR")
        return Sent(message, submission)

    async def commit(self, context: JobContext, prepared: Sent) -> dict[str, Any]:
        if prepared.message is None or prepared.submission is None:
            return {"skipped": prepared.skipped}
        assert context.document is not None
        message = prepared.message
        entry = LifecycleEntry(PAID, "", message.issued_at, Direction.SENT, "", prepared.submission.flow_id)
        await platform_status.record_lifecycle(context.organisation_id, context.document.id, entry)
        return {"flow_id": prepared.submission.flow_id, "code": PAID, "paid": str(message.paid_amount),
                "payments": [{"amount": str(p.amount), "vat_rate": str(p.vat_rate)} for p in message.payments]}

"""`email_supplier`: the purchase order goes to the supplier's address, Order-X attached.

The Message-ID derives from the job's idempotency key, so a resend after a crash between
the SMTP answer and our commit carries the same id and the supplier's system can drop it.
"""

from dataclasses import dataclass
from typing import Any

from jobs.actions.parties import partner_party
from jobs.connectors.mail import Attachment, Email, message_id_for
from jobs.errors import PermanentJobError
from jobs.execution import JobContext
from models import attachments, links


@dataclass(frozen=True)
class Sent:
    message_id: str
    to: str
    order_number: str


class EmailSupplier:
    async def prepare(self, context: JobContext) -> Sent:
        request = context.document
        mailer = context.services.mailer
        if mailer is None:
            raise PermanentJobError("no mail server configured: set PARAPHEUR_SMTP_URL, then retry the job")
        if request is None:
            raise PermanentJobError("the purchase request is gone")
        organisation_id = context.organisation_id
        orders = await links.targets(organisation_id, request.id, "purchase_order")
        if not orders:
            raise PermanentJobError(f"{request.number} has no purchase order to send")
        supplier = await partner_party(organisation_id, "suppliers", request.data.get("supplier"))
        address = supplier.get("email")
        if not address:
            raise PermanentJobError(
                f"supplier {request.data.get('supplier')} has no e-mail address in catalog 'suppliers'; "
                "add one, then retry the job"
            )
        xml = await attachments.latest(organisation_id, orders[-1], "orderx")
        page = await attachments.latest(organisation_id, orders[-1], "purchase_order_html")
        if xml is None or page is None or xml.content is None or page.content is None:
            raise PermanentJobError("the purchase order has no Order-X file or page to send")
        number = xml.filename.removesuffix(".xml")
        organisation = context.organisation.name
        email = Email(
            sender="",
            to=(address,),
            subject=f"Bon de commande {number} — {organisation}",
            html=page.content.decode(),
            text=f"Bonjour,\n\nVeuillez trouver ci-joint notre bon de commande {number} (Order-X).\n\n"
            f"{organisation}\n",
            attachments=(Attachment(xml.filename, xml.content, "application/xml"),),
            message_id=message_id_for(context.job.idempotency_key, "parapheur.invalid"),
        )
        message_id = await mailer.send(email)
        return Sent(message_id=message_id, to=address, order_number=number)

    async def commit(self, context: JobContext, prepared: Sent) -> dict[str, Any]:
        return {"message_id": prepared.message_id, "to": prepared.to, "order": prepared.order_number}

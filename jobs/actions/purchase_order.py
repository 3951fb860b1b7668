"""`generate_purchase_order`: an approved request becomes a purchase order document, with its
Order-X XML and printable page, linked both ways, and the request moves to `ordered`.

Everything happens in `commit`, in the job's own transaction: a crash leaves either nothing
or the whole order, and a second run finds the job already done.
"""

from datetime import UTC, datetime
from typing import Any

from jobs.actions.parties import organisation_party, partner_party
from jobs.errors import PermanentJobError
from jobs.execution import JobContext
from jobs.orderx import build_order, validate_order
from jobs.purchase_order_page import render_purchase_order
from models import attachments, links
from models.documents import create_for_platform, transition_for_platform
from models.errors import NotFound, PlatformDocumentInvalid
from models.records import DocumentRecord

ORDER_TYPE = "purchase_order"
COPIED = ("title", "supplier", "needed_by")
LINE_FIELDS = ("description", "quantity", "unit_price", "vat_rate")


def order_data(request: DocumentRecord) -> dict[str, Any]:
    """The purchase order's form data, copied from its request."""
    data = request.data
    copied = {key: data[key] for key in COPIED if data.get(key) not in (None, "")}
    copied["request_number"] = request.number
    copied["lines"] = [{k: line[k] for k in LINE_FIELDS if k in line} for line in data.get("lines", [])]
    return copied


class GeneratePurchaseOrder:
    async def prepare(self, context: JobContext) -> None:
        return None

    async def commit(self, context: JobContext, prepared: None) -> dict[str, Any]:
        request = context.document
        if request is None:
            raise PermanentJobError("the purchase request is gone")
        organisation_id = context.organisation_id
        try:
            order = await create_for_platform(organisation_id, ORDER_TYPE, order_data(request),
                                              created_by=request.created_by)
        except (NotFound, PlatformDocumentInvalid) as error:
            raise PermanentJobError(str(error)) from None
        document = {
            **order.data,
            "number": order.number,
            "issue_date": datetime.now(UTC).date().isoformat(),
            "buyer_reference": request.number,
            "buyer": organisation_party(context.organisation),
            "seller": await partner_party(organisation_id, "suppliers", order.data.get("supplier")),
        }
        xml = build_order(document)
        problems = validate_order(xml)
        if problems:
            raise PermanentJobError("the Order-X XML is invalid: " + "; ".join(problems[:10]))
        orderx = await attachments.store(organisation_id, order.id, "orderx", f"{order.number}.xml",
                                         "application/xml", xml)
        page = render_purchase_order(document).encode()
        await attachments.store(organisation_id, order.id, "purchase_order_html", f"{order.number}.html",
                                "text/html; charset=utf-8", page)
        await links.link(organisation_id, request.id, order.id, ORDER_TYPE)
        await transition_for_platform(organisation_id, request.id, "order",
                                      comment=f"Purchase order {order.number} generated")
        return {"purchase_order_id": order.id, "number": order.number, "orderx_sha256": orderx.sha256}

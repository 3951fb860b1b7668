"""The automated actions, by the key workflows name in `on_enter` (a dispatch table)."""

from jobs.actions.email_supplier import EmailSupplier
from jobs.actions.payment_status import SendPaymentStatus
from jobs.actions.platform_status import PollPlatformStatus
from jobs.actions.purchase_order import GeneratePurchaseOrder
from jobs.actions.received_flows import ApplyReceivedStatus, FetchReceivedFlows
from jobs.actions.ubl import ConvertToUbl, SendToPlatform
from jobs.actions.webhook import DeliverWebhook
from jobs.execution import Action

ACTIONS: dict[str, Action] = {
    "generate_purchase_order": GeneratePurchaseOrder(),
    "email_supplier": EmailSupplier(),
    "convert_to_ubl": ConvertToUbl(),
    "send_to_platform": SendToPlatform(),
    "poll_platform_status": PollPlatformStatus(),
    "deliver_webhook": DeliverWebhook(),
    "send_payment_status": SendPaymentStatus(),
    "fetch_received_flows": FetchReceivedFlows(),
    "apply_received_status": ApplyReceivedStatus(),
}

"""Supplier-invoice reception: one pure pipeline from a file's bytes to an outcome.

    outcome = receive(content, media_type="application/xml", filename="F-42.xml")
    match outcome:
        case Received(invoice=invoice, data=data, problems=problems): ...   # create the document
        case ToComplete(data=data, problems=problems): ...                  # a PDF to complete
        case Rejected(reason=reason, message=message, problems=problems): ...  # nothing written

See docs/reception.md for the formats, the validation and the problems.
"""

from jobs.reception.model import AllowanceCharge, ElectronicAddress, Invoice, Line, Party, PaymentMeans, Totals
from jobs.reception.outcomes import Outcome, Problem, Received, Refusal, Rejected, Source, ToComplete
from jobs.reception.pipeline import MAX_BYTES, receive
from jobs.reception.syntaxes import Syntax

__all__ = [
    "MAX_BYTES",
    "AllowanceCharge",
    "ElectronicAddress",
    "Invoice",
    "Line",
    "Outcome",
    "Party",
    "PaymentMeans",
    "Problem",
    "Received",
    "Refusal",
    "Rejected",
    "Source",
    "Syntax",
    "ToComplete",
    "Totals",
    "receive",
]

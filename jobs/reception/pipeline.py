"""Reception: bytes in, one outcome out (received, to complete, or rejected), never an exception.

Pure: no database, no file system, no network. The channels (GraphQL upload, `POST
/api/invoices`, the drop folder, the platform connector) hand the bytes here and then, for a
`Received` or `ToComplete` outcome, write the document and its attachment in one transaction.
Steps, each able to end the reception with a `Rejected` naming every problem it found:

1. size and emptiness, before anything is read;
2. the container from the bytes (XML or PDF) and the declared media type;
3. a PDF is read bounded and strictly; its embedded invoice XML continues as XML, a PDF
   without one ends as `ToComplete` with what its text gives;
4. the XML is parsed hardened, its root must be a UBL Invoice/CreditNote or a CII;
5. validation (XSD, EN 16931, French CTC as warnings): any fatal problem rejects;
6. the semantic model, its totals checked against its lines, and the form data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from lxml import etree

from jobs.reception import cii, ubl
from jobs.reception.detection import Container, container, xml_syntax
from jobs.reception.form_data import form_data
from jobs.reception.model import Invoice
from jobs.reception.outcomes import Outcome, Problem, Received, Refusal, Rejected, Source, ToComplete
from jobs.reception.pdfs import read_pdf
from jobs.reception.prefill import prefill
from jobs.reception.syntaxes import Syntax
from jobs.reception.totals import check_totals
from jobs.reception.validation import validate
from jobs.reception.xml_input import read_xml

MAX_BYTES = 20 * 1024 * 1024

_READERS: dict[Syntax, Callable[[etree._Element], Invoice]] = {
    Syntax.UBL_INVOICE: ubl.read_invoice,
    Syntax.UBL_CREDIT_NOTE: ubl.read_invoice,
    Syntax.CII: cii.read_invoice,
}


def receive(
    content: bytes, media_type: str | None = None, filename: str | None = None, max_bytes: int = MAX_BYTES
) -> Outcome:
    """Read one invoice file. `media_type` as declared by the channel (None: look at the bytes)."""
    if not content:
        return _rejected(Refusal.EMPTY, "the file is empty; send the invoice file itself")
    if len(content) > max_bytes:
        return _rejected(
            Refusal.TOO_LARGE,
            f"the file is {len(content):,} bytes, over the {max_bytes:,}-byte limit for an invoice; "
            "send the invoice alone, without other attachments",
        )
    kind = container(content, media_type)
    if isinstance(kind, Rejected):
        return kind
    source = Source(content, kind.value, filename, hashlib.sha256(content).hexdigest())
    if kind is Container.XML:
        return _structured(source, content, Syntax.UBL_INVOICE, ())
    pdf = read_pdf(content, max_bytes)
    if isinstance(pdf, Rejected):
        return pdf
    if pdf.xml is None:
        data, problems = prefill(pdf.text)
        return ToComplete(source, data, tuple(problems))
    return _structured(source, pdf.xml, Syntax.FACTURX_PDF, pdf.problems)


def _structured(source: Source, xml: bytes, outer: Syntax, found: tuple[Problem, ...]) -> Outcome:
    """An XML invoice, on its own (`outer` is a UBL placeholder then) or out of a Factur-X PDF."""
    what = "the file" if outer is not Syntax.FACTURX_PDF else "the XML embedded in the PDF"
    tree = read_xml(xml, what)
    if isinstance(tree, Rejected):
        return tree
    syntax = xml_syntax(tree.getroot())
    if isinstance(syntax, Rejected):
        return syntax
    if outer is Syntax.FACTURX_PDF and syntax is not Syntax.CII:
        return _rejected(Refusal.NOT_AN_INVOICE, f"{what} is a {syntax.value}, not a Cross Industry Invoice")
    validation = validate(tree, syntax)
    problems = found + validation.problems
    if validation.fatal:
        return Rejected(
            Refusal.INVALID,
            f"{what} is not a valid invoice: {len(validation.fatal)} fatal problem(s), first: "
            f"{validation.fatal[0].rule} {validation.fatal[0].message}",
            problems,
        )
    invoice = _READERS[syntax](tree.getroot())
    problems += tuple(check_totals(invoice))
    if not invoice.lines:
        problems += (
            Problem(
                "TO-COMPLETE",
                "/lines",
                f"the invoice has no lines (profile {validation.profile}); a person must complete them from the PDF",
                False,
            ),
        )
    return Received(
        source=source,
        syntax=syntax if outer is not Syntax.FACTURX_PDF else outer,
        profile=validation.profile,
        invoice=invoice,
        data=form_data(invoice),
        problems=problems,
        xml=xml,
    )


def _rejected(reason: Refusal, message: str) -> Rejected:
    return Rejected(reason, message, (Problem("FILE", "/", message, True),))

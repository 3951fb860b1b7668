"""Which syntax a file is written in, from its bytes, declared media type and root element.

The bytes decide, not the name or the declared type: a declared type only has to agree with
them. Anything that is neither a PDF nor XML, or an XML whose root is not an invoice, is
refused with a message naming what it is and what is expected.
"""

from __future__ import annotations

import enum

from lxml import etree

from jobs.reception.cii import NAMESPACE as CII_NAMESPACE
from jobs.reception.outcomes import Problem, Refusal, Rejected
from jobs.reception.syntaxes import Syntax

_UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
_ROOTS: dict[str, Syntax] = {
    f"{{{_UBL}Invoice-2}}Invoice": Syntax.UBL_INVOICE,
    f"{{{_UBL}CreditNote-2}}CreditNote": Syntax.UBL_CREDIT_NOTE,
    f"{{{CII_NAMESPACE}}}CrossIndustryInvoice": Syntax.CII,
}
# Media types a channel may declare; None or application/octet-stream means "look at the bytes".
XML_TYPES = frozenset({"application/xml", "text/xml"})
PDF_TYPES = frozenset({"application/pdf"})
_UNDECLARED = frozenset({"", "application/octet-stream"})
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


class Container(enum.Enum):
    """What the bytes are, before the root element or the PDF's attachments are looked at."""

    XML = "application/xml"
    PDF = "application/pdf"


def container(content: bytes, media_type: str | None) -> Container | Rejected:
    declared = (media_type or "").split(";")[0].strip().lower()
    if declared not in XML_TYPES | PDF_TYPES | _UNDECLARED:
        return _refused(
            Refusal.MEDIA_TYPE,
            f"media type {declared!r} is not an invoice format; send application/xml (UBL, CII) or application/pdf "
            "(Factur-X or a PDF invoice)",
        )
    found = _sniff(content)
    if found is None:
        return _refused(
            Refusal.MEDIA_TYPE,
            f"the content is neither XML nor PDF (it starts with {content[:8]!r}); send a UBL or CII XML file or a PDF",
        )
    if (declared in XML_TYPES and found is not Container.XML) or (declared in PDF_TYPES and found is not Container.PDF):
        return _refused(
            Refusal.MEDIA_TYPE,
            f"declared as {declared} but the content is {found.value}; send it with its real media type",
        )
    return found


def _sniff(content: bytes) -> Container | None:
    # A PDF header may come after some junk in the first 1024 bytes (ISO 32000-1, 7.5.2 note).
    if b"%PDF-" in content[:1024]:
        return Container.PDF
    head = content[:64]
    for bom in _BOMS:
        if head.startswith(bom):
            return Container.XML
    return Container.XML if head.lstrip().startswith(b"<") else None


def xml_syntax(root: etree._Element) -> Syntax | Rejected:
    """The syntax of a parsed XML, or a refusal saying what the document is instead."""
    syntax = _ROOTS.get(root.tag)
    if syntax is not None:
        return syntax
    name = etree.QName(root)
    namespace = name.namespace or "no namespace"
    if name.localname == "CrossIndustryInvoice":
        message = (
            f"the CII root element is in the namespace {namespace!r}, not {CII_NAMESPACE!r}; "
            "the file is not a valid Cross Industry Invoice (fix the namespace declaration)"
        )
    elif name.localname == "CrossIndustryDocument":
        message = (
            "the file is a ZUGFeRD 1.0 invoice (CrossIndustryDocument), which predates EN 16931; "
            "ask the supplier for Factur-X / ZUGFeRD 2 or UBL"
        )
    elif namespace.startswith(_UBL) or name.localname in ("Invoice", "CreditNote"):
        message = (
            f"the file is a UBL {name.localname} ({namespace}), not an invoice; "
            "only UBL Invoice and CreditNote documents can be received"
        )
    else:
        message = (
            f"the root element {name.localname} ({namespace}) is not an invoice; expected a UBL 2.1 Invoice or "
            "CreditNote or a UN/CEFACT CrossIndustryInvoice"
        )
    return Rejected(Refusal.NOT_AN_INVOICE, message, (Problem("SYNTAX", f"/{root.tag}", message, True),))


def _refused(reason: Refusal, message: str) -> Rejected:
    return Rejected(reason, message, (Problem("MEDIA-TYPE", "/", message, True),))

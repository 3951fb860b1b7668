"""Reading untrusted XML: hardened, and refusing what an invoice never needs.

An invoice never needs a DOCTYPE, so any DOCTYPE is refused (internal subset, external DTD,
entities of any kind); the parser leaves entities unexpanded, so refusing after parsing costs
nothing. The parser loads no DTD, resolves no
entity and never touches the network; `xsi:schemaLocation` is never followed (lxml does not
fetch it, and the XSD used is always ours). Size is bounded by the caller before this runs.
"""

from __future__ import annotations

from lxml import etree

from jobs.en16931 import hardened_parser
from jobs.reception.outcomes import Problem, Refusal, Rejected

_DOCTYPE_MARKS = tuple("<!DOCTYPE".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be"))
_DOCTYPE_REFUSED = (
    "the XML has a DOCTYPE declaration (DTD, entities or external references): an invoice never needs "
    "one and it is not expanded or fetched; send the invoice without it"
)


def read_xml(content: bytes, what: str = "the file") -> etree._ElementTree | Rejected:
    """The parsed tree of `content`, or why it cannot be read."""
    try:
        tree = etree.fromstring(content, hardened_parser()).getroottree()
    except etree.XMLSyntaxError as error:
        # libxml2 may give up on a DOCTYPE it found further on (entity amplification): say why.
        if any(mark in content for mark in _DOCTYPE_MARKS):
            return _refused(Refusal.HOSTILE, _DOCTYPE_REFUSED, "/")
        return _refused(
            Refusal.UNREADABLE,
            f"{what} is not well-formed XML ({error}); check that it was not truncated or altered in transit",
            f"line {error.lineno}" if error.lineno else "/",
        )
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return _refused(Refusal.HOSTILE, _DOCTYPE_REFUSED, "/")
    return tree


def _refused(reason: Refusal, message: str, location: str) -> Rejected:
    return Rejected(reason, message, (Problem("XML", location, message, True),))

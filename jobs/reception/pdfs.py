"""Reading an untrusted PDF: bounded, strict, script-free; its embedded invoice XML or its text.

Every decompression pypdf does here is capped at the reception size limit through pypdf's
context-local `Configuration`, so a decompression bomb in an embedded file (or a page) stops
at that limit instead of filling memory. The PDF is read strictly: a file whose cross-reference
table is broken or that is cut short is refused, because a repaired PDF may not show what
the supplier sent. A PDF with JavaScript or a launch action is refused: an invoice needs
neither, and the original is shown to accountants in their browser.

The embedded XML is taken out with the `factur-x` package (`get_xml_from_pdf`), which knows
the Factur-X, ZUGFeRD and XRechnung attachment names; the pipeline then reads it again with
the hardened parser, since `factur-x` parses with lxml's defaults.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

from facturx import get_xml_from_pdf
from lxml import etree
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from jobs.en16931 import hardened_parser
from jobs.reception.outcomes import Problem, Refusal, Rejected

# Attachment names of structured invoices, in the order they are preferred: a PDF may carry a
# ZUGFeRD 1.0 file beside its Factur-X one (the mustang `invalidXMP.pdf` does).
INVOICE_ATTACHMENTS = (["factur-x.xml"], ["zugferd-invoice.xml", "xrechnung.xml"])
# fx:ConformanceLevel values of Factur-X 1.0 and ZUGFeRD 2.x XMP metadata.
CONFORMANCE_LEVELS = frozenset({"MINIMUM", "BASIC WL", "BASIC", "EN 16931", "COMFORT", "EXTENDED", "XRECHNUNG"})
MAX_OBJECTS = 200_000
MAX_TEXT_PAGES = 10
_SCRIPT_ACTIONS = frozenset({"/JavaScript", "/Launch"})
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PdfContents:
    """What reception needs from a PDF that passed the checks."""

    attachment: str | None
    xml: bytes | None
    text: str
    problems: tuple[Problem, ...]


def read_pdf(content: bytes, max_bytes: int) -> PdfContents | Rejected:
    if b"%%EOF" not in content[-1024:]:
        return _refused(
            Refusal.UNREADABLE,
            "the PDF is truncated: it does not end with %%EOF; send the complete file again",
        )
    limits: dict[str, Any] = {
        name: max_bytes
        for name in (
            "maximum_declared_stream_length",
            "array_based_stream_maximum_output_length",
            "jbig2_maximum_output_length",
            "lzw_maximum_output_length",
            "run_length_maximum_output_length",
            "zlib_maximum_output_length",
            "brotli_maximum_output_length",
            "image_maximum_buffer_size",
        )
    }
    with apply_configuration(**limits):
        try:
            return _read(content)
        except LimitReachedError as error:
            return _refused(
                Refusal.HOSTILE,
                f"a stream of the PDF decompresses to more than {max_bytes:,} bytes ({error}); "
                "it looks like a decompression bomb and is not read further",
            )
        except Exception as error:  # noqa: BLE001 - pypdf raises many types on malformed input
            _log.info("unreadable PDF: %r", error)
            return _refused(
                Refusal.UNREADABLE,
                f"the PDF is corrupt and cannot be read reliably ({type(error).__name__}: {error}); "
                "ask the supplier to send it again",
            )


def _read(content: bytes) -> PdfContents | Rejected:
    reader = PdfReader(io.BytesIO(content), strict=True)
    if reader.is_encrypted:
        return _refused(Refusal.UNREADABLE, "the PDF is encrypted; ask the supplier for an unprotected invoice")
    script = _script(reader)
    if script:
        return _refused(
            Refusal.HOSTILE,
            f"the PDF contains {script}; an invoice needs no scripts or launch actions, so it is refused "
            "(ask the supplier for a PDF without them)",
        )
    name, xml = None, None
    for names in INVOICE_ATTACHMENTS:
        name, xml = get_xml_from_pdf(content, check_xsd=False, filenames=names)
        if xml:
            break
    if not xml:
        # factur-x skips an invoice attachment it cannot parse or classify; hand it on as it is,
        # so the XML reading says precisely what is wrong with it (DOCTYPE, not XML, wrong root).
        unusable = _invoice_attachment(reader)
        if unusable is None:
            return PdfContents(None, None, _text(reader), ())
        name, xml = unusable
    return PdfContents(name, xml, "", tuple(_xmp_problems(reader)))


def _script(reader: PdfReader) -> str | None:
    """What script the PDF holds (a name-tree entry or an action), found by walking every object.

    The walk starts at the trailer and visits each object once, so cycles (a page's /Parent)
    end; it is bounded by `MAX_OBJECTS`. Streams are looked at as dictionaries, never decoded.
    """
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > MAX_OBJECTS:
            return f"more than {MAX_OBJECTS:,} objects (too many to check for scripts)"
        if isinstance(item, DictionaryObject):
            if "/JS" in item or "/JavaScript" in item:
                return "JavaScript"
            if item.get("/S") in _SCRIPT_ACTIONS:
                return f"a {str(item['/S'])[1:]} action"
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return None


def _invoice_attachment(reader: PdfReader) -> tuple[str, bytes] | None:
    wanted = {name for names in INVOICE_ATTACHMENTS for name in names}
    for attachment in reader.attachment_list:
        if attachment.name.lower() in wanted:
            return attachment.name, attachment.content
    return None


def _text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() or "" for page in reader.pages[:MAX_TEXT_PAGES])


def _xmp_problems(reader: PdfReader) -> list[Problem]:
    """Factur-X metadata that does not say what the PDF is: kept as a warning, the XML decides."""
    metadata = reader.trailer["/Root"].get("/Metadata")
    if metadata is None:
        return [Problem("XMP", "/Metadata", "the PDF has no XMP metadata declaring it a Factur-X invoice", False)]
    try:
        root = etree.fromstring(metadata.get_object().get_data(), hardened_parser())
    except etree.XMLSyntaxError as error:
        return [Problem("XMP", "/Metadata", f"the PDF's XMP metadata is not well-formed XML ({error})", False)]
    levels = [element.text.strip() for element in root.iter("{*}ConformanceLevel") if element.text]
    levels += [
        value for element in root.iter() for key, value in element.attrib.items() if key.endswith("}ConformanceLevel")
    ]
    bad = [level for level in levels if level.upper() not in CONFORMANCE_LEVELS]
    return [
        Problem(
            "XMP",
            "/Metadata",
            f"the PDF's XMP metadata declares the Factur-X conformance level {level!r}, which is no Factur-X profile "
            f"({', '.join(sorted(CONFORMANCE_LEVELS))}); the embedded XML is received as it is",
            False,
        )
        for level in bad
    ]


def _refused(reason: Refusal, message: str) -> Rejected:
    return Rejected(reason, message, (Problem("PDF", "/", message, True),))

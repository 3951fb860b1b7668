"""CDAR D22B lifecycle status messages (CrossDomainAcknowledgementAndResponse), both ways.

A `StatusMessage` is one status about one invoice: who says it, the invoice it is about
(number, issue date, type, seller, buyer), the code (`rules.lifecycle`), an optional reason,
and for 212 Encaissée the amounts cashed per VAT rate (a partial payment is a 212 whose
amounts are below the invoice total; BR-FR-CDV-14 wants at least one "MEN" amount).

`build` writes the XML and refuses to hand back a message that fails the CDAR XSD or the
BR-FR-CDV rules; `parse` reads untrusted bytes (hardened parser: no DTD, no entities, no
network, bounded size), validates them the same way and only then extracts the status.
Both raise `CdarError`, whose message names what is wrong.

Message layout, as BR-FR-CDV reads it: statuses sent by a platform (200-203, 213, 221,
250-601) are TypeCode 305 ("transmission") with sender/issuer role WK; processing statuses sent
by the buyer or the seller are TypeCode 23 with their role (BY, SE) and the issuer's SIREN.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from pathlib import Path

from lxml import etree

from jobs.en16931 import MAX_BYTES, Report, Rules, ValidatorUnavailable
from jobs.errors import PermanentJobError
from rules.lifecycle import BY_CODE, Sender

RSM = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
ROOT = f"{{{RSM}}}CrossDomainAcknowledgementAndResponse"
GUIDELINE = "urn.cpro.gouv.fr:1p0:CDV:invoice"
SIREN_SCHEME = "0002"
ADDRESS_SCHEME = "0225"
PAID_CHARACTERISTIC = "MEN"  # "montant encaissé"
PROCESSING, TRANSMISSION = "23", "305"
ROLES = {Sender.BUYER: "BY", Sender.SELLER: "SE", Sender.PLATFORM: "WK"}


class CdarError(PermanentJobError):
    """Raised when a CDAR message cannot be built from the given status, or received bytes are not a valid one."""


@dataclass(frozen=True)
class Party:
    """A seller or buyer as CDAR names it: SIREN (scheme 0002), name, electronic address (scheme 0225)."""

    siren: str
    name: str = ""
    electronic_address: str = ""


@dataclass(frozen=True)
class Payment:
    """An amount cashed (tax included) at one VAT rate, for 212 Encaissée."""

    amount: Decimal
    vat_rate: Decimal


@dataclass(frozen=True)
class StatusMessage:
    """One lifecycle status about one invoice."""

    message_id: str
    issued_at: datetime
    code: str
    invoice_number: str
    invoice_issue_date: date | None
    seller: Party
    buyer: Party
    invoice_type: str = "380"
    reason_code: str = ""
    reason_text: str = ""
    payments: tuple[Payment, ...] = field(default=())

    @property
    def sender(self) -> Sender:
        """Who emits this status (XP Z12-014); an unofficial code is taken as the platform's."""
        status = BY_CODE.get(self.code)
        return status.sender if status else Sender.PLATFORM

    @property
    def paid_amount(self) -> Decimal:
        return sum((payment.amount for payment in self.payments), Decimal("0"))


# --- building -----------------------------------------------------------------------------------


def _sub(parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
    prefix, local = name.split(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{local}", attributes)
    if text is not None:
        element.text = text
    return element


def _party(parent: etree._Element, name: str, party: Party | None, role: str, *, address: bool = False) -> None:
    element = _sub(parent, name)
    if party is not None and party.siren:
        _sub(element, "ram:GlobalID", party.siren, schemeID=SIREN_SCHEME)
    if party is not None and party.name:
        _sub(element, "ram:Name", party.name)
    _sub(element, "ram:RoleCode", role)
    if party is not None and (address or party.electronic_address):
        uri = _sub(element, "ram:URIUniversalCommunication")
        _sub(uri, "ram:URIID", party.electronic_address or party.siren, schemeID=ADDRESS_SCHEME)


def _timestamp(parent: etree._Element, name: str, moment: datetime) -> None:
    _sub(_sub(parent, name), "udt:DateTimeString", moment.astimezone(UTC).strftime("%Y%m%d%H%M%S"), format="204")


def _check(message: StatusMessage) -> None:
    status = BY_CODE.get(message.code)
    where = f"status {message.code} about invoice {message.invoice_number!r}"
    if status is None:
        raise CdarError(f"{where}: {message.code!r} is not an official lifecycle code; use one of {', '.join(BY_CODE)}")
    if status.reason_required and not message.reason_code:
        raise CdarError(f"{where} ({status.label}) needs a reason code (BR-FR-CDV-15); pass reason_code")
    if message.code == "212" and not message.payments:
        raise CdarError(f"{where} (Encaissée) needs the amounts cashed per VAT rate (BR-FR-CDV-14); pass payments")
    for payment in message.payments:
        if payment.amount.as_tuple().exponent < -2 or payment.vat_rate.as_tuple().exponent < -2:  # type: ignore[operator]
            raise CdarError(f"{where}: amounts and VAT rates have at most 2 decimals, got {payment}")


def build(message: StatusMessage) -> bytes:
    """The CDAR XML of `message`; raises `CdarError` when it would not pass the XSD and BR-FR-CDV."""
    _check(message)
    sender = message.sender
    transmission = sender is Sender.PLATFORM
    role = "WK" if transmission else ROLES[sender]
    author = None if transmission else (message.seller if sender is Sender.SELLER else message.buyer)
    recipient, recipient_role = (message.buyer, "BY") if sender is not Sender.BUYER else (message.seller, "SE")

    root = etree.Element(ROOT, nsmap=NSMAP)
    context = _sub(root, "rsm:ExchangedDocumentContext")
    _sub(_sub(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID", "REGULATED")
    _sub(_sub(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINE)

    exchanged = _sub(root, "rsm:ExchangedDocument")
    _sub(exchanged, "ram:ID", message.message_id)
    _timestamp(exchanged, "ram:IssueDateTime", message.issued_at)
    # The sender is the party's platform: its id would be a platform number (scheme 0238), which
    # we do not have; BR-FR-CDV-CL-09 (210) reads a sender GlobalID as that number, so none.
    _sub(_sub(exchanged, "ram:SenderTradeParty"), "ram:RoleCode", role)
    _party(exchanged, "ram:IssuerTradeParty", author, role)
    _party(exchanged, "ram:RecipientTradeParty", recipient, recipient_role, address=True)

    acknowledgement = _sub(root, "rsm:AcknowledgementDocument")
    _sub(acknowledgement, "ram:TypeCode", TRANSMISSION if transmission else PROCESSING)
    _timestamp(acknowledgement, "ram:IssueDateTime", message.issued_at)
    invoice = _sub(acknowledgement, "ram:ReferenceReferencedDocument")
    _sub(invoice, "ram:IssuerAssignedID", message.invoice_number)
    _sub(invoice, "ram:TypeCode", message.invoice_type)
    if message.invoice_issue_date is not None:
        formatted = _sub(invoice, "ram:FormattedIssueDateTime")
        _sub(formatted, "qdt:DateTimeString", message.invoice_issue_date.strftime("%Y%m%d"), format="102")
    _sub(invoice, "ram:ProcessConditionCode", message.code)
    _party(invoice, "ram:IssuerTradeParty", message.seller, "SE")
    _party(invoice, "ram:RecipientTradeParty", message.buyer, "BY")
    if message.reason_code or message.reason_text or message.payments:
        detail = _sub(invoice, "ram:SpecifiedDocumentStatus")
        if message.reason_code:
            _sub(detail, "ram:ReasonCode", message.reason_code)
        if message.reason_text:
            _sub(detail, "ram:Reason", message.reason_text)
        _sub(detail, "ram:SequenceNumeric", "1")
        for payment in message.payments:
            characteristic = _sub(detail, "ram:SpecifiedDocumentCharacteristic")
            _sub(characteristic, "ram:TypeCode", PAID_CHARACTERISTIC)
            _sub(characteristic, "ram:ValueAmount", f"{payment.amount:.2f}")
            _sub(characteristic, "ram:ValuePercent", f"{payment.vat_rate:.2f}")

    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    report = validate(xml)
    if not report.ok:
        raise CdarError(f"the CDAR built for status {message.code} about {message.invoice_number!r} "
                        f"is not valid: {describe(report)}")
    return xml


# --- validating ---------------------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    """A fresh hardened parser per call (lxml parsers are not thread-safe)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           dtd_validation=False, remove_blank_text=False)


def _directory() -> Path:
    directory = files("jobs").joinpath("cdar_schemas")
    if not isinstance(directory, Path) or not directory.is_dir():
        raise ValidatorUnavailable(f"the CDAR schemas are missing from the jobs package ({directory}); reinstall it")
    return directory


class _Schema:
    def __init__(self) -> None:
        path = _directory() / "xsd" / "CrossDomainAcknowledgementAndResponse_100pD22B.xsd"
        try:
            self._schema = etree.XMLSchema(etree.parse(str(path), _parser()))
        except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as error:
            raise ValidatorUnavailable(f"cannot load the CDAR XSD {path}: {error}") from error
        self._lock = threading.Lock()

    def errors(self, tree: etree._ElementTree) -> list[str]:
        with self._lock:
            if self._schema.validate(tree):
                return []
            return [f"line {error.line}: {error.message}" for error in self._schema.error_log]


@functools.cache
def _schema() -> _Schema:
    return _Schema()


@functools.cache
def cdv_rules() -> Rules:
    """BR-FR-CDV compiled once per process."""
    return Rules(_directory() / "BR-FR-CDV-Schematron-CDAR.xslt")


def _tree(xml: bytes) -> etree._ElementTree:
    if not isinstance(xml, bytes | bytearray):
        raise CdarError(f"a CDAR message is bytes, got {type(xml).__name__}")
    if len(xml) > MAX_BYTES:
        raise CdarError(f"CDAR message refused: {len(xml)} bytes, more than the {MAX_BYTES} accepted")
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise CdarError("CDAR message refused: it has a DOCTYPE or ENTITY declaration, which CDAR never needs "
                        "and which is not expanded (remove it)")
    try:
        tree = etree.ElementTree(etree.fromstring(bytes(xml), _parser()))
    except etree.XMLSyntaxError as error:
        raise CdarError(f"CDAR message refused: not well-formed XML ({error})") from None
    if tree.getroot().tag != ROOT:
        raise CdarError(f"CDAR message refused: the root element is {tree.getroot().tag}, expected {ROOT}")
    return tree


def validate(xml: bytes) -> Report:
    """XSD errors and BR-FR-CDV violations of a CDAR message; raises `CdarError` if it is not one."""
    tree = _tree(xml)
    return Report(_schema().errors(tree), cdv_rules().violations(tree))


def describe(report: Report) -> str:
    problems = report.xsd_errors + [f"{v.rule}: {v.message}" for v in report.fatal]
    shown = "; ".join(problems[:5])
    return shown + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")


# --- parsing ------------------------------------------------------------------------------------


def _text(element: etree._Element | None, path: str) -> str:
    if element is None:
        return ""
    return " ".join(element.xpath(f"string({path})", namespaces=NSMAP).split())


def _read_party(element: etree._Element | None) -> Party:
    return Party(siren=_text(element, "ram:GlobalID"), name=_text(element, "ram:Name"),
                 electronic_address=_text(element, "ram:URIUniversalCommunication/ram:URIID"))


def _moment(text: str, what: str) -> datetime:
    for pattern in ("%Y%m%d%H%M%S", "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise CdarError(f"CDAR message refused: {what} {text!r} is not a date (expected YYYYMMDD or YYYYMMDDHHMMSS)")


def _decimal(text: str, what: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CdarError(f"CDAR message refused: {what} {text!r} is not a decimal number") from None


def parse(xml: bytes) -> StatusMessage:
    """The status a received CDAR message carries; `CdarError` when it is not a valid CDAR about one invoice."""
    report = validate(xml)
    if not report.ok:
        raise CdarError(f"CDAR message refused: it fails the CDAR XSD or BR-FR-CDV: {describe(report)}")
    root = _tree(xml).getroot()
    invoices = root.findall("rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument", NSMAP)
    if len(invoices) != 1:
        raise CdarError(f"CDAR message refused: it is about {len(invoices)} invoices; one status message per "
                        "invoice is supported")
    [invoice] = invoices
    detail = invoice.find("ram:SpecifiedDocumentStatus", NSMAP)
    payments = tuple(
        Payment(_decimal(_text(item, "ram:ValueAmount"), "amount"),
                _decimal(_text(item, "ram:ValuePercent"), "VAT rate"))
        for item in invoice.findall("ram:SpecifiedDocumentStatus/ram:SpecifiedDocumentCharacteristic", NSMAP)
        if _text(item, "ram:TypeCode") == PAID_CHARACTERISTIC
    )
    issued = _text(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString")
    invoice_date = _text(invoice, "ram:FormattedIssueDateTime/qdt:DateTimeString")
    return StatusMessage(
        message_id=_text(root, "rsm:ExchangedDocument/ram:ID"),
        issued_at=_moment(issued, "issue date-time") if issued else datetime.now(UTC),
        code=_text(invoice, "ram:ProcessConditionCode"),
        invoice_number=_text(invoice, "ram:IssuerAssignedID"),
        invoice_issue_date=_moment(invoice_date, "invoice issue date").date() if invoice_date else None,
        seller=_read_party(invoice.find("ram:IssuerTradeParty", NSMAP)),
        buyer=_read_party(invoice.find("ram:RecipientTradeParty", NSMAP)),
        invoice_type=_text(invoice, "ram:TypeCode") or "380",
        reason_code=_text(detail, "ram:ReasonCode"),
        reason_text=_text(detail, "ram:Reason"),
        payments=payments,
    )

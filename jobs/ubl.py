"""A customer invoice as a UBL 2.1 Invoice conforming to EN 16931 (`convert_to_ubl`).

The input is the `customer_invoice` document data (ui-schemas/customer_invoice) plus what
the action resolves around it: the document number, the seller (the organisation) and the
buyer (the customer partner). Keys not listed here, such as `customer` or the computed
`amount`/`total_*` fields, are ignored: every amount is recomputed here with Decimal and
rounded half-up to the cent where EN 16931 rounds, never taken from the client::

    {
      "number": "FA-2026-00042",              # BT-1, required
      "issue_date": "2026-03-02",             # BT-2, ISO date (str or datetime.date), required
      "due_date": "2026-04-01",               # BT-9, optional
      "buyer_reference": "PO-4711",           # BT-10, optional
      "payment_terms": "30 days net",         # BT-20, optional
      "payment_means": {                      # BG-16, optional
        "code": "30",                         # "30" credit transfer or "58" SEPA credit transfer
        "iban": "FR7630006000011234567890189",# BT-84, required with the code
        "bic": "AGRIFRPP",                    # BT-86, optional
        "account_name": "ACME SAS"},          # BT-85, optional
      "seller": PARTY,                        # BG-4, required, with its vat_number
      "buyer": PARTY,                         # BG-7, required
      "vat_exemption_reason": "Exonération de TVA, article 261 C du CGI",
                                              # BT-120, required when category E is used
      "prepaid": 100.0,                       # BT-113, optional, default 0
      "lines": [{                             # BG-25, at least one
        "description": "Consulting",          # BT-153 item name
        "quantity": 3,                        # BT-129, may be negative (a credit line)
        "unit_price": 150.0,                  # BT-146 net price, 0 or more
        "unit_code": "C62",                   # BT-130, UN/ECE rec. 20, optional, default C62 (one)
        "vat_category": "S",                  # BT-151: S standard, Z zero-rated, E exempt, AE reverse charge
        "vat_rate": 20,                       # BT-152: more than 0 for S, 0 for Z, E and AE
        "allowances": [{"reason": "Loyalty", "amount": 15.0}]}],  # BG-27, optional
      "allowances": [{                        # BG-20 document-level allowances, optional
        "reason": "Early payment discount", "amount": 10.0,
        "vat_category": "S", "vat_rate": 20}],
      "charges": [...],                       # BG-21 document-level charges, optional, same shape
    }

    PARTY = {
      "name": "ACME SAS",                     # BT-27 / BT-44 registration name
      "siren": "732829320",                   # BT-30 / BT-47, 9 digits, schemeID 0002 (SIRENE)
      "vat_number": "FR44732829320",          # BT-31 / BT-48, required for the seller and for AE
      "address": {"street": "1 rue de la Paix", "additional_street": "Bât. B",  # optional
                  "city": "Paris", "postal_code": "75002", "country": "FR"},    # country default FR
      "electronic_address": {"scheme": "0225", "id": "732829320"},  # BT-34 / BT-49, default: the SIREN
      "email": "billing@acme.example"}        # BT-43 / BT-58, optional

Numbers may be int, float (read through `str`, as JSON gives them), str or Decimal. The
currency is EUR. A value UBL or EN 16931 cannot carry raises `InvoiceDataError` naming
every problem with its JSON pointer.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lxml import etree

from jobs.errors import PermanentJobError
from jobs.reading import ZERO, DataReader

CURRENCY = "EUR"
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
VAT_CATEGORIES = ("S", "Z", "E", "AE")
PAYMENT_MEANS = ("30", "58")
REVERSE_CHARGE_REASON = ("VATEX-EU-AE", "Autoliquidation")

_NSMAP = {None: INVOICE_NS, "cac": CAC, "cbc": CBC}
_PREFIXES = {"cac": CAC, "cbc": CBC}
_CENT = Decimal("0.01")
_SIREN = re.compile(r"^[0-9]{9}$")


class InvoiceDataError(PermanentJobError, ValueError):
    """Raised when invoice data misses a field or holds a value a UBL invoice cannot carry."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("invoice data refused: " + "; ".join(self.problems))


def cents(value: Decimal) -> Decimal:
    """Half-up to the cent, as EN 16931 rounds every amount it states (BR-DEC-*)."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class _Adjustment:
    """A document-level allowance (charge=False) or charge, or a line allowance (no category)."""

    charge: bool
    reason: str
    amount: Decimal
    category: str = ""
    rate: Decimal = ZERO


@dataclass(frozen=True)
class _Line:
    description: str
    quantity: Decimal
    price: Decimal
    unit: str
    category: str
    rate: Decimal
    allowances: tuple[_Adjustment, ...]

    @property
    def net(self) -> Decimal:
        """BT-131 = quantity × net price − line allowances, rounded to the cent."""
        return cents(self.quantity * self.price - sum((a.amount for a in self.allowances), ZERO))


def invoice_totals(invoice: Mapping[str, Any]) -> dict[str, Any]:
    """Every amount of the invoice, as Decimal, exactly as `build_invoice` writes them.

    Keys: `lines` (BT-131 per line), `line_total` (BT-106), `allowance_total` (BT-107),
    `charge_total` (BT-108), `tax_exclusive` (BT-109), `vat_breakdown` (BG-23: one dict
    per category and rate with `category`, `rate`, `taxable` BT-116, `tax` BT-117,
    `exemption_reason_code`, `exemption_reason`), `tax_total` (BT-110), `tax_inclusive`
    (BT-112), `prepaid` (BT-113), `payable` (BT-115).
    """
    return _Reader(invoice).read().totals


def build_invoice(invoice: Mapping[str, Any]) -> bytes:
    """The UBL 2.1 Invoice (UTF-8 bytes, with XML declaration) for `invoice`; see the module doc."""
    data = _Reader(invoice).read()
    root = etree.Element(f"{{{INVOICE_NS}}}Invoice", nsmap=_NSMAP)
    _add(root, "cbc:CustomizationID", CUSTOMIZATION_ID)
    _add(root, "cbc:ID", data.number)
    _add(root, "cbc:IssueDate", data.issue_date)
    if data.due_date:
        _add(root, "cbc:DueDate", data.due_date)
    _add(root, "cbc:InvoiceTypeCode", "380")
    _add(root, "cbc:DocumentCurrencyCode", CURRENCY)
    if data.buyer_reference:
        _add(root, "cbc:BuyerReference", data.buyer_reference)
    _party(_add(root, "cac:AccountingSupplierParty"), data.seller)
    _party(_add(root, "cac:AccountingCustomerParty"), data.buyer)
    if data.payment_means:
        _payment_means(root, data.payment_means, data.number)
    if data.payment_terms:
        _add(_add(root, "cac:PaymentTerms"), "cbc:Note", data.payment_terms)
    for adjustment in data.adjustments:
        _adjustment(root, adjustment)
    totals = data.totals
    tax_total = _add(root, "cac:TaxTotal")
    _amount(tax_total, "cbc:TaxAmount", totals["tax_total"])
    for row in totals["vat_breakdown"]:
        subtotal = _add(tax_total, "cac:TaxSubtotal")
        _amount(subtotal, "cbc:TaxableAmount", row["taxable"])
        _amount(subtotal, "cbc:TaxAmount", row["tax"])
        _category(subtotal, "cac:TaxCategory", row["category"], row["rate"], row)
    _monetary_total(root, totals, data.adjustments)
    for number, (line, net) in enumerate(zip(data.lines, totals["lines"], strict=True), start=1):
        _line(root, number, line, net)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@dataclass(frozen=True)
class _Invoice:
    number: str
    issue_date: str
    due_date: str
    buyer_reference: str
    payment_terms: str
    payment_means: Mapping[str, str]
    seller: Mapping[str, Any]
    buyer: Mapping[str, Any]
    lines: tuple[_Line, ...]
    adjustments: tuple[_Adjustment, ...]
    totals: dict[str, Any]


class _Reader(DataReader):
    """Reads the input dict into values, collecting every problem with its JSON pointer."""

    def __init__(self, invoice: Mapping[str, Any]) -> None:
        self.invoice = invoice if isinstance(invoice, Mapping) else {}
        self.problems: list[str] = [] if isinstance(invoice, Mapping) else [f"expected a dict, got {invoice!r}"]

    def read(self) -> _Invoice:
        raw = self.invoice
        lines = tuple(self._line(item, f"/lines/{i}") for i, item in enumerate(self._list("/lines", minimum=1)))
        adjustments = tuple(
            self._adjustment(item, f"/{key}/{i}", charge=key == "charges")
            for key in ("allowances", "charges")
            for i, item in enumerate(self._list(f"/{key}"))
        )
        categories = {line.category for line in lines} | {adjustment.category for adjustment in adjustments}
        reasons = self._exemptions(categories)
        prepaid = self._amount(raw.get("prepaid", 0), "/prepaid")
        invoice = _Invoice(
            number=self._text(raw.get("number"), "/number"),
            issue_date=self._date(raw.get("issue_date"), "/issue_date"),
            due_date=self._date(raw.get("due_date"), "/due_date", required=False),
            buyer_reference=self._text(raw.get("buyer_reference"), "/buyer_reference", required=False),
            payment_terms=self._text(raw.get("payment_terms"), "/payment_terms", required=False),
            payment_means=self._payment_means(raw.get("payment_means")),
            seller=self._party(raw.get("seller"), "/seller", vat_required=True),
            buyer=self._party(raw.get("buyer"), "/buyer", vat_required="AE" in categories),
            lines=lines,
            adjustments=adjustments,
            totals=_totals(lines, adjustments, prepaid, reasons),
        )
        if self.problems:
            raise InvoiceDataError(self.problems)
        return invoice

    def _list(self, where: str, minimum: int = 0) -> list[Any]:
        value = self.invoice.get(where[1:])
        value = [] if value is None else value
        if not isinstance(value, list) or len(value) < minimum:
            self._problem(where, f"expected a list of at least {minimum} item(s), got {value!r}")
            return []
        return value

    def _amount(self, value: Any, where: str) -> Decimal:
        amount = cents(self._number(value, where))
        if amount < 0:
            self._problem(where, f"must not be negative (got {value!r})")
        return amount

    def _date(self, value: Any, where: str, required: bool = True) -> str:
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value.isoformat()
        text = self._text(value, where, required)
        try:
            return datetime.date.fromisoformat(text).isoformat() if text else ""
        except ValueError:
            self._problem(where, f"expected a date as YYYY-MM-DD, got {value!r}")
            return ""

    def _mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self._problem(where, f"expected an object, got {value!r}")
            return {}
        return value

    def _vat(self, item: Mapping[str, Any], where: str) -> tuple[str, Decimal]:
        category = item.get("vat_category")
        rate = self._number(item.get("vat_rate"), f"{where}/vat_rate")
        if category not in VAT_CATEGORIES:
            self._problem(f"{where}/vat_category", f"expected one of {', '.join(VAT_CATEGORIES)}, got {category!r}")
        elif category == "S" and rate <= 0:
            self._problem(f"{where}/vat_rate", f"standard rate (S) must be more than 0, got {rate}")
        elif category != "S" and rate != 0:
            self._problem(f"{where}/vat_rate", f"category {category} takes a 0 rate, got {rate}")
        return str(category), _plain(rate)

    def _line(self, value: Any, where: str) -> _Line:
        item = self._mapping(value, where)
        category, rate = self._vat(item, where)
        price = self._number(item.get("unit_price"), f"{where}/unit_price")
        if price < 0:
            self._problem(
                f"{where}/unit_price",
                f"a net price must not be negative (got {price}, BR-27); make the quantity negative for a credit line",
            )
        allowances = []
        for i, raw in enumerate(item.get("allowances") or []):
            allowance = self._mapping(raw, f"{where}/allowances/{i}")
            reason = self._text(allowance.get("reason"), f"{where}/allowances/{i}/reason")
            amount = self._amount(allowance.get("amount"), f"{where}/allowances/{i}/amount")
            allowances.append(_Adjustment(False, reason, amount))
        return _Line(
            description=self._text(item.get("description"), f"{where}/description"),
            quantity=self._number(item.get("quantity"), f"{where}/quantity"),
            price=price,
            unit=self._text(item.get("unit_code", "C62"), f"{where}/unit_code"),
            category=category,
            rate=rate,
            allowances=tuple(allowances),
        )

    def _adjustment(self, value: Any, where: str, charge: bool) -> _Adjustment:
        item = self._mapping(value, where)
        category, rate = self._vat(item, where)
        return _Adjustment(
            charge=charge,
            reason=self._text(item.get("reason"), f"{where}/reason"),
            amount=self._amount(item.get("amount"), f"{where}/amount"),
            category=category,
            rate=rate,
        )

    def _party(self, value: Any, where: str, vat_required: bool) -> Mapping[str, Any]:
        party = self._mapping(value, where)
        siren = self._text(party.get("siren"), f"{where}/siren")
        if siren and not _SIREN.match(siren):
            self._problem(f"{where}/siren", f"a SIREN is 9 digits, got {siren!r}")
        address = self._mapping(party.get("address"), f"{where}/address")
        endpoint = party.get("electronic_address") or {"scheme": "0225", "id": siren}
        endpoint = self._mapping(endpoint, f"{where}/electronic_address")
        return {
            "name": self._text(party.get("name"), f"{where}/name"),
            "siren": siren,
            "vat_number": self._text(party.get("vat_number"), f"{where}/vat_number", required=vat_required),
            "street": self._text(address.get("street"), f"{where}/address/street", required=False),
            "additional_street": self._text(
                address.get("additional_street"), f"{where}/address/additional_street", required=False
            ),
            "city": self._text(address.get("city"), f"{where}/address/city"),
            "postal_code": self._text(address.get("postal_code"), f"{where}/address/postal_code"),
            "country": self._text(address.get("country", "FR"), f"{where}/address/country"),
            "endpoint_scheme": self._text(endpoint.get("scheme"), f"{where}/electronic_address/scheme"),
            "endpoint_id": self._text(endpoint.get("id"), f"{where}/electronic_address/id"),
            "email": self._text(party.get("email"), f"{where}/email", required=False),
        }

    def _payment_means(self, value: Any) -> Mapping[str, str]:
        if value is None:
            return {}
        means = self._mapping(value, "/payment_means")
        code = str(means.get("code", ""))
        if code not in PAYMENT_MEANS:
            self._problem("/payment_means/code", f"expected one of {', '.join(PAYMENT_MEANS)}, got {code!r}")
        return {
            "code": code,
            "iban": self._text(means.get("iban"), "/payment_means/iban").replace(" ", ""),
            "bic": self._text(means.get("bic"), "/payment_means/bic", required=False),
            "account_name": self._text(means.get("account_name"), "/payment_means/account_name", required=False),
        }

    def _exemptions(self, categories: set[str]) -> dict[str, tuple[str, str]]:
        """(code, text) of BT-121/BT-120 per category that needs one (E, AE)."""
        reasons = {"AE": REVERSE_CHARGE_REASON}
        if "E" in categories:
            reasons["E"] = ("", self._text(self.invoice.get("vat_exemption_reason"), "/vat_exemption_reason"))
        return reasons


def _plain(number: Decimal) -> Decimal:
    """20 rather than 2E+1 or 20.0, 5.5 rather than 5.50: how a rate reads in the XML."""
    normal = number.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def _totals(
    lines: Sequence[_Line],
    adjustments: Sequence[_Adjustment],
    prepaid: Decimal,
    reasons: Mapping[str, tuple[str, str]],
) -> dict[str, Any]:
    nets = [line.net for line in lines]
    allowance_total = sum((a.amount for a in adjustments if not a.charge), ZERO)
    charge_total = sum((a.amount for a in adjustments if a.charge), ZERO)
    bases: dict[tuple[str, Decimal], Decimal] = {}
    for line, net in zip(lines, nets, strict=True):
        bases[line.category, line.rate] = bases.get((line.category, line.rate), ZERO) + net
    for adjustment in adjustments:
        signed = adjustment.amount if adjustment.charge else -adjustment.amount
        key = (adjustment.category, adjustment.rate)
        bases[key] = bases.get(key, ZERO) + signed
    breakdown: list[dict[str, Any]] = [
        {
            "category": category,
            "rate": rate,
            "taxable": taxable,
            "tax": cents(taxable * rate / 100),
            "exemption_reason_code": reasons.get(category, ("", ""))[0],
            "exemption_reason": reasons.get(category, ("", ""))[1],
        }
        for (category, rate), taxable in bases.items()
    ]
    line_total = sum(nets, ZERO)
    tax_exclusive = line_total - allowance_total + charge_total
    tax_total: Decimal = sum((row["tax"] for row in breakdown), ZERO)
    return {
        "lines": nets,
        "line_total": line_total,
        "allowance_total": allowance_total,
        "charge_total": charge_total,
        "tax_exclusive": tax_exclusive,
        "vat_breakdown": breakdown,
        "tax_total": tax_total,
        "tax_inclusive": tax_exclusive + tax_total,
        "prepaid": prepaid,
        "payable": tax_exclusive + tax_total - prepaid,
    }


def _add(parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
    prefix, local = name.split(":")
    element = etree.SubElement(parent, f"{{{_PREFIXES[prefix]}}}{local}", attributes)
    if text is not None:
        element.text = text
    return element


def _amount(parent: etree._Element, name: str, value: Decimal) -> etree._Element:
    return _add(parent, name, f"{cents(value):f}", currencyID=CURRENCY)


def _category(
    parent: etree._Element, name: str, category: str, rate: Decimal, reason: Mapping[str, Any] | None = None
) -> None:
    element = _add(parent, name)
    _add(element, "cbc:ID", category)
    _add(element, "cbc:Percent", f"{rate:f}")
    if reason and reason.get("exemption_reason_code"):
        _add(element, "cbc:TaxExemptionReasonCode", reason["exemption_reason_code"])
    if reason and reason.get("exemption_reason"):
        _add(element, "cbc:TaxExemptionReason", reason["exemption_reason"])
    _add(_add(element, "cac:TaxScheme"), "cbc:ID", "VAT")


def _party(parent: etree._Element, party: Mapping[str, Any]) -> None:
    element = _add(parent, "cac:Party")
    _add(element, "cbc:EndpointID", party["endpoint_id"], schemeID=party["endpoint_scheme"])
    address = _add(element, "cac:PostalAddress")
    for key, name in (
        ("street", "StreetName"),
        ("additional_street", "AdditionalStreetName"),
        ("city", "CityName"),
        ("postal_code", "PostalZone"),
    ):
        if party[key]:
            _add(address, f"cbc:{name}", party[key])
    _add(_add(address, "cac:Country"), "cbc:IdentificationCode", party["country"])
    if party["vat_number"]:
        tax_scheme = _add(element, "cac:PartyTaxScheme")
        _add(tax_scheme, "cbc:CompanyID", party["vat_number"])
        _add(_add(tax_scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
    legal = _add(element, "cac:PartyLegalEntity")
    _add(legal, "cbc:RegistrationName", party["name"])
    _add(legal, "cbc:CompanyID", party["siren"], schemeID="0002")
    if party["email"]:
        _add(_add(element, "cac:Contact"), "cbc:ElectronicMail", party["email"])


def _payment_means(root: etree._Element, means: Mapping[str, str], number: str) -> None:
    element = _add(root, "cac:PaymentMeans")
    _add(element, "cbc:PaymentMeansCode", means["code"])
    _add(element, "cbc:PaymentID", number)
    account = _add(element, "cac:PayeeFinancialAccount")
    _add(account, "cbc:ID", means["iban"])
    if means["account_name"]:
        _add(account, "cbc:Name", means["account_name"])
    if means["bic"]:
        _add(_add(account, "cac:FinancialInstitutionBranch"), "cbc:ID", means["bic"])


def _adjustment(parent: etree._Element, adjustment: _Adjustment) -> None:
    element = _add(parent, "cac:AllowanceCharge")
    _add(element, "cbc:ChargeIndicator", "true" if adjustment.charge else "false")
    _add(element, "cbc:AllowanceChargeReason", adjustment.reason)
    _amount(element, "cbc:Amount", adjustment.amount)
    if adjustment.category:
        _category(element, "cac:TaxCategory", adjustment.category, adjustment.rate)


def _monetary_total(root: etree._Element, totals: Mapping[str, Any], adjustments: Sequence[_Adjustment]) -> None:
    element = _add(root, "cac:LegalMonetaryTotal")
    _amount(element, "cbc:LineExtensionAmount", totals["line_total"])
    _amount(element, "cbc:TaxExclusiveAmount", totals["tax_exclusive"])
    _amount(element, "cbc:TaxInclusiveAmount", totals["tax_inclusive"])
    if any(not a.charge for a in adjustments):
        _amount(element, "cbc:AllowanceTotalAmount", totals["allowance_total"])
    if any(a.charge for a in adjustments):
        _amount(element, "cbc:ChargeTotalAmount", totals["charge_total"])
    if totals["prepaid"]:
        _amount(element, "cbc:PrepaidAmount", totals["prepaid"])
    _amount(element, "cbc:PayableAmount", totals["payable"])


def _line(root: etree._Element, number: int, line: _Line, net: Decimal) -> None:
    element = _add(root, "cac:InvoiceLine")
    _add(element, "cbc:ID", str(number))
    _add(element, "cbc:InvoicedQuantity", f"{line.quantity:f}", unitCode=line.unit)
    _amount(element, "cbc:LineExtensionAmount", net)
    for allowance in line.allowances:
        _adjustment(element, allowance)
    item = _add(element, "cac:Item")
    _add(item, "cbc:Name", line.description)
    _category(item, "cac:ClassifiedTaxCategory", line.category, line.rate)
    _add(_add(element, "cac:Price"), "cbc:PriceAmount", f"{line.price:f}", currencyID=CURRENCY)

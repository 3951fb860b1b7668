"""A UBL 2.1 Invoice or CreditNote, already parsed and XSD-checked, as the semantic model.

Paths follow the EN 16931 UBL syntax binding (CEN/TS 16931-3-2). A CreditNote differs in its
line element, its quantity element, its type code element and where it carries BT-9.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from jobs.reception.model import AllowanceCharge, ElectronicAddress, Invoice, Line, Party, PaymentMeans, Totals
from jobs.reception.values import decimal, iso_date, siren, text

_UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
NS = {"cac": f"{_UBL}CommonAggregateComponents-2", "cbc": f"{_UBL}CommonBasicComponents-2"}
CREDIT_NOTE = f"{{{_UBL}CreditNote-2}}CreditNote"
_LINES = {False: "cac:InvoiceLine", True: "cac:CreditNoteLine"}


def read_invoice(root: etree._Element) -> Invoice:
    credit = root.tag == CREDIT_NOTE
    currency = text(root, "cbc:DocumentCurrencyCode", NS)
    due = text(root, "cbc:DueDate", NS) or text(root, "cac:PaymentMeans/cbc:PaymentDueDate", NS)
    return Invoice(
        type_code=text(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", NS),
        number=text(root, "cbc:ID", NS),
        issue_date=iso_date(text(root, "cbc:IssueDate", NS)),
        due_date=iso_date(due),
        currency=currency,
        purchase_order=text(root, "cac:OrderReference/cbc:ID", NS),
        seller=_party(root.find("cac:AccountingSupplierParty/cac:Party", NS)),
        buyer=_party(root.find("cac:AccountingCustomerParty/cac:Party", NS)),
        lines=tuple(
            _line(line, credit) for line in root.iterfind("cac:CreditNoteLine" if credit else "cac:InvoiceLine", NS)
        ),
        allowances_charges=tuple(_allowance_charge(item) for item in root.iterfind("cac:AllowanceCharge", NS)),
        totals=_totals(root, currency),
        payment_means=_payment_means(root),
    )


def _amount(element: etree._Element | None, path: str) -> Decimal | None:
    return decimal(text(element, path, NS))


def _party(party: etree._Element | None) -> Party:
    if party is None:
        return Party(None, None, None, None)
    legal = party.find("cac:PartyLegalEntity/cbc:CompanyID", NS)
    found = siren(legal.text, legal.get("schemeID")) if legal is not None and legal.text else None
    for identifier in party.iterfind("cac:PartyIdentification/cbc:ID", NS):
        if found is None and identifier.get("schemeID") in ("0002", "0009"):
            found = siren(identifier.text, identifier.get("schemeID"))
    endpoint = party.find("cbc:EndpointID", NS)
    vat = next(
        (
            text(scheme, "cbc:CompanyID", NS)
            for scheme in party.iterfind("cac:PartyTaxScheme", NS)
            if text(scheme, "cac:TaxScheme/cbc:ID", NS) == "VAT"
        ),
        None,
    )
    return Party(
        name=text(party, "cac:PartyLegalEntity/cbc:RegistrationName", NS) or text(party, "cac:PartyName/cbc:Name", NS),
        siren=found,
        vat_number=vat,
        electronic_address=(
            ElectronicAddress(endpoint.get("schemeID"), endpoint.text.strip())
            if endpoint is not None and endpoint.text and endpoint.text.strip()
            else None
        ),
    )


def _line(line: etree._Element, credit: bool) -> Line:
    quantity = line.find("cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity", NS)
    return Line(
        description=text(line, "cac:Item/cbc:Name", NS) or text(line, "cac:Item/cbc:Description", NS),
        quantity=decimal(quantity.text) if quantity is not None and quantity.text else None,
        unit_code=quantity.get("unitCode") if quantity is not None else None,
        price=_amount(line, "cac:Price/cbc:PriceAmount"),
        price_base_quantity=_amount(line, "cac:Price/cbc:BaseQuantity"),
        vat_category=text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID", NS),
        vat_rate=_amount(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent"),
        net_amount=_amount(line, "cbc:LineExtensionAmount"),
    )


def _allowance_charge(item: etree._Element) -> AllowanceCharge:
    return AllowanceCharge(
        charge=text(item, "cbc:ChargeIndicator", NS) == "true",
        amount=_amount(item, "cbc:Amount"),
        reason=text(item, "cbc:AllowanceChargeReason", NS),
        reason_code=text(item, "cbc:AllowanceChargeReasonCode", NS),
        vat_category=text(item, "cac:TaxCategory/cbc:ID", NS),
        vat_rate=_amount(item, "cac:TaxCategory/cbc:Percent"),
    )


def _totals(root: etree._Element, currency: str | None) -> Totals:
    monetary = root.find("cac:LegalMonetaryTotal", NS)
    # BT-110 is the TaxTotal in the document currency; a second one (BT-111) is in the VAT currency.
    vat = None
    for tax_total in root.iterfind("cac:TaxTotal/cbc:TaxAmount", NS):
        if vat is None or tax_total.get("currencyID") == currency:
            vat = decimal(tax_total.text)
    return Totals(
        line_net=_amount(monetary, "cbc:LineExtensionAmount"),
        allowances=_amount(monetary, "cbc:AllowanceTotalAmount"),
        charges=_amount(monetary, "cbc:ChargeTotalAmount"),
        without_vat=_amount(monetary, "cbc:TaxExclusiveAmount"),
        vat=vat,
        with_vat=_amount(monetary, "cbc:TaxInclusiveAmount"),
        prepaid=_amount(monetary, "cbc:PrepaidAmount"),
        rounding=_amount(monetary, "cbc:PayableRoundingAmount"),
        amount_due=_amount(monetary, "cbc:PayableAmount"),
    )


def _payment_means(root: etree._Element) -> PaymentMeans | None:
    means = root.find("cac:PaymentMeans", NS)
    if means is None:
        return None
    return PaymentMeans(
        code=text(means, "cbc:PaymentMeansCode", NS),
        iban=text(means, "cac:PayeeFinancialAccount/cbc:ID", NS),
        account_name=text(means, "cac:PayeeFinancialAccount/cbc:Name", NS),
        bic=text(means, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID", NS),
    )

"""A UN/CEFACT Cross Industry Invoice (D16B or D22B, any Factur-X profile) as the semantic model.

Paths follow the EN 16931 CII syntax binding (CEN/TS 16931-3-3). MINIMUM and BASIC WL carry
no lines; the model then has none, and the pipeline says so rather than inventing any.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from lxml import etree

from jobs.reception.model import AllowanceCharge, ElectronicAddress, Invoice, Line, Party, PaymentMeans, Totals
from jobs.reception.values import cii_date, decimal, siren, text

NAMESPACE = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS = {
    "rsm": NAMESPACE,
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
_TRANSACTION = "rsm:SupplyChainTradeTransaction"
_AGREEMENT = f"{_TRANSACTION}/ram:ApplicableHeaderTradeAgreement"
_SETTLEMENT = f"{_TRANSACTION}/ram:ApplicableHeaderTradeSettlement"
_LOGISTICS = "ram:SpecifiedLogisticsServiceCharge"
_LINE_TOTAL = "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
_SUMMATION = "ram:SpecifiedTradeSettlementHeaderMonetarySummation"


def read_invoice(root: etree._Element) -> Invoice:
    settlement = root.find(_SETTLEMENT, NS)
    currency = text(settlement, "ram:InvoiceCurrencyCode", NS)
    return Invoice(
        type_code=text(root, "rsm:ExchangedDocument/ram:TypeCode", NS),
        number=text(root, "rsm:ExchangedDocument/ram:ID", NS),
        issue_date=_date(root.find("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", NS)),
        due_date=_date(
            settlement.find("ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString", NS)
            if settlement is not None
            else None
        ),
        currency=currency,
        purchase_order=text(root, f"{_AGREEMENT}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID", NS),
        seller=_party(root.find(f"{_AGREEMENT}/ram:SellerTradeParty", NS)),
        buyer=_party(root.find(f"{_AGREEMENT}/ram:BuyerTradeParty", NS)),
        lines=tuple(_line(line) for line in root.iterfind(f"{_TRANSACTION}/ram:IncludedSupplyChainTradeLineItem", NS)),
        allowances_charges=tuple(
            _allowance_charge(item) for item in root.iterfind(f"{_SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge", NS)
        )
        + tuple(
            _logistics_charge(item) for item in root.iterfind(f"{_SETTLEMENT}/ram:SpecifiedLogisticsServiceCharge", NS)
        ),
        totals=_totals(settlement, currency),
        payment_means=_payment_means(settlement),
    )


def _date(element: etree._Element | None) -> datetime.date | None:
    if element is None or element.text is None:
        return None
    return cii_date(element.text, element.get("format"))


def _amount(element: etree._Element | None, path: str) -> Decimal | None:
    return decimal(text(element, path, NS))


def _party(party: etree._Element | None) -> Party:
    if party is None:
        return Party(None, None, None, None)
    legal = party.find("ram:SpecifiedLegalOrganization/ram:ID", NS)
    found = siren(legal.text, legal.get("schemeID")) if legal is not None and legal.text else None
    for identifier in party.iterfind("ram:GlobalID", NS):
        if found is None and identifier.get("schemeID") in ("0002", "0009"):
            found = siren(identifier.text, identifier.get("schemeID"))
    address = party.find("ram:URIUniversalCommunication/ram:URIID", NS)
    vat = next(
        (
            registration.text.strip()
            for registration in party.iterfind("ram:SpecifiedTaxRegistration/ram:ID", NS)
            if registration.get("schemeID") == "VA" and registration.text
        ),
        None,
    )
    return Party(
        name=text(party, "ram:Name", NS),
        siren=found,
        vat_number=vat,
        electronic_address=(
            ElectronicAddress(address.get("schemeID"), address.text.strip())
            if address is not None and address.text and address.text.strip()
            else None
        ),
    )


def _line(line: etree._Element) -> Line:
    quantity = line.find("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", NS)
    tax = line.find("ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax", NS)
    price = "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice"
    return Line(
        description=text(line, "ram:SpecifiedTradeProduct/ram:Name", NS),
        quantity=decimal(quantity.text) if quantity is not None and quantity.text else None,
        unit_code=quantity.get("unitCode") if quantity is not None else None,
        price=_amount(line, f"{price}/ram:ChargeAmount"),
        price_base_quantity=_amount(line, f"{price}/ram:BasisQuantity"),
        vat_category=text(tax, "ram:CategoryCode", NS),
        vat_rate=_amount(tax, "ram:RateApplicablePercent"),
        net_amount=_amount(
            line,
            "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
        ),
    )


def _allowance_charge(item: etree._Element) -> AllowanceCharge:
    return AllowanceCharge(
        charge=text(item, "ram:ChargeIndicator/udt:Indicator", NS) == "true",
        amount=_amount(item, "ram:ActualAmount"),
        reason=text(item, "ram:Reason", NS),
        reason_code=text(item, "ram:ReasonCode", NS),
        vat_category=text(item, "ram:CategoryTradeTax/ram:CategoryCode", NS),
        vat_rate=_amount(item, "ram:CategoryTradeTax/ram:RateApplicablePercent"),
    )


def _logistics_charge(item: etree._Element) -> AllowanceCharge:
    """EXTENDED's logistics service charge (freight…): a document-level charge counted in BT-108."""
    return AllowanceCharge(
        charge=True,
        amount=_amount(item, "ram:AppliedAmount"),
        reason=text(item, "ram:Description", NS),
        reason_code=None,
        vat_category=text(item, "ram:AppliedTradeTax/ram:CategoryCode", NS),
        vat_rate=_amount(item, "ram:AppliedTradeTax/ram:RateApplicablePercent"),
    )


def _totals(settlement: etree._Element | None, currency: str | None) -> Totals:
    summation = settlement.find(_SUMMATION, NS) if settlement is not None else None
    # BT-110 is the TaxTotalAmount in the invoice currency; a second one (BT-111) is in the VAT currency.
    vat = None
    if summation is not None:
        for tax_total in summation.iterfind("ram:TaxTotalAmount", NS):
            if vat is None or tax_total.get("currencyID") == currency:
                vat = decimal(tax_total.text)
    return Totals(
        line_net=_amount(summation, "ram:LineTotalAmount"),
        allowances=_amount(summation, "ram:AllowanceTotalAmount"),
        charges=_amount(summation, "ram:ChargeTotalAmount"),
        without_vat=_amount(summation, "ram:TaxBasisTotalAmount"),
        vat=vat,
        with_vat=_amount(summation, "ram:GrandTotalAmount"),
        prepaid=_amount(summation, "ram:TotalPrepaidAmount"),
        rounding=_amount(summation, "ram:RoundingAmount"),
        amount_due=_amount(summation, "ram:DuePayableAmount"),
    )


def _payment_means(settlement: etree._Element | None) -> PaymentMeans | None:
    means = settlement.find("ram:SpecifiedTradeSettlementPaymentMeans", NS) if settlement is not None else None
    if means is None:
        return None
    return PaymentMeans(
        code=text(means, "ram:TypeCode", NS),
        iban=text(means, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID", NS),
        account_name=text(means, "ram:PayeePartyCreditorFinancialAccount/ram:AccountName", NS),
        bic=text(means, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID", NS),
    )

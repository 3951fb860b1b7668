"""Reception end to end (pure): the official examples in, hostile and broken files out.

Expected numbers and totals are read from each file with XPath on its BT elements, never
written here, and the examples are parametrised over the directory listings, so any other
official file put there is covered the same way.
"""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from jobs.reception import MAX_BYTES, Received, Refusal, Rejected, Syntax, ToComplete, receive
from jobs.ubl import build_invoice
from tests.jobs.reception.material import (
    BROKEN_PDFS,
    CII_EXAMPLES,
    FACTURX_PDFS,
    UBL_EXAMPLES,
    listing,
    needs_material,
)

UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
NS = {
    "cac": f"{UBL}CommonAggregateComponents-2",
    "cbc": f"{UBL}CommonBasicComponents-2",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
# BT -> XPath per syntax (EN 16931 syntax bindings); BT-110 is the VAT total in the invoice currency.
UBL_TERMS = {
    "BT-1": "string(/*/cbc:ID)",
    "BT-109": "string(/*/cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount)",
    "BT-110": "string(/*/cac:TaxTotal/cbc:TaxAmount[@currencyID = /*/cbc:DocumentCurrencyCode])",
    "BT-112": "string(/*/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount)",
    "BT-115": "string(/*/cac:LegalMonetaryTotal/cbc:PayableAmount)",
    "lines": "count(/*/cac:InvoiceLine | /*/cac:CreditNoteLine)",
}
_SETTLEMENT = "/*/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
_SUM = f"{_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
_CURRENCY = f"{_SETTLEMENT}/ram:InvoiceCurrencyCode"
CII_TERMS = {
    "BT-1": "string(/*/rsm:ExchangedDocument/ram:ID)",
    "BT-109": f"string({_SUM}/ram:TaxBasisTotalAmount)",
    "BT-110": f"string(({_SUM}/ram:TaxTotalAmount[@currencyID = {_CURRENCY} or not(@currencyID)])[1])",
    "BT-112": f"string({_SUM}/ram:GrandTotalAmount)",
    "BT-115": f"string({_SUM}/ram:DuePayableAmount)",
    "lines": "count(/*/rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem)",
}
DATA_KEYS = {"BT-109": "total_ht", "BT-110": "total_vat", "BT-112": "total_ttc", "BT-115": "amount_due"}


def expected_terms(xml: bytes) -> dict[str, object]:
    root = etree.fromstring(xml)
    terms = CII_TERMS if etree.QName(root).localname == "CrossIndustryInvoice" else UBL_TERMS
    return {term: root.xpath(path, namespaces=NS) for term, path in terms.items()}


def embedded_xml(path: Path) -> bytes:
    """The invoice XML in a Factur-X PDF, read with pypdf alone (not the code under test)."""
    attachments = PdfReader(path).attachments
    for name in ("factur-x.xml", "ZUGFeRD-invoice.xml", "zugferd-invoice.xml", "xrechnung.xml"):
        if name in attachments:
            return attachments[name][0]
    raise AssertionError(f"{path.name} embeds no invoice XML: {sorted(attachments)}")


def assert_received_as_written(outcome: object, xml: bytes) -> None:
    assert isinstance(outcome, Received), getattr(outcome, "problems", outcome)
    expected = expected_terms(xml)
    assert outcome.invoice.number == expected["BT-1"].strip()
    assert outcome.data["invoice_number"] == expected["BT-1"].strip()
    for term, key in DATA_KEYS.items():
        if expected[term]:
            assert Decimal(str(outcome.data[key])) == Decimal(expected[term]), term
    assert len(outcome.invoice.lines) == expected["lines"]
    assert [problem for problem in outcome.problems if problem.fatal] == []


@needs_material
@pytest.mark.parametrize(
    "path", listing(UBL_EXAMPLES, "*.[xX][mM][lL]") + listing(CII_EXAMPLES, "*.xml"), ids=lambda p: p.name
)
def test_official_example_is_received_with_its_number_and_totals(path: Path) -> None:
    content = path.read_bytes()

    outcome = receive(content, "application/xml", path.name)

    assert_received_as_written(outcome, content)
    assert outcome.syntax in (Syntax.UBL_INVOICE, Syntax.UBL_CREDIT_NOTE, Syntax.CII)
    assert outcome.source.content == content and outcome.xml == content


VALID_PDFS = [path for path in listing(FACTURX_PDFS, "*.pdf") if path.name not in BROKEN_PDFS]


@needs_material
@pytest.mark.parametrize("path", VALID_PDFS, ids=lambda p: p.name)
def test_valid_facturx_pdf_is_received_with_the_number_and_totals_of_its_xml(path: Path) -> None:
    outcome = receive(path.read_bytes(), "application/pdf", path.name)

    assert_received_as_written(outcome, embedded_xml(path))
    assert outcome.syntax is Syntax.FACTURX_PDF
    assert outcome.source.media_type == "application/pdf"


@needs_material
def test_official_material_has_the_examples_this_suite_expects() -> None:
    assert len(listing(UBL_EXAMPLES, "*.[xX][mM][lL]")) >= 19
    assert len(listing(CII_EXAMPLES, "*.xml")) >= 15
    assert len(VALID_PDFS) >= 5
    assert BROKEN_PDFS <= {path.name for path in listing(FACTURX_PDFS, "*.pdf")}


@needs_material
def test_pdf_with_a_broken_cross_reference_table_is_rejected_as_corrupt() -> None:
    outcome = receive((FACTURX_PDFS / "corruptedV2PDF.pdf").read_bytes())

    assert isinstance(outcome, Rejected)
    assert outcome.reason is Refusal.UNREADABLE
    assert "corrupt" in outcome.message and "xref" in outcome.message


@needs_material
def test_pdf_whose_xmp_names_no_profile_is_received_from_its_xml_with_the_xmp_flagged() -> None:
    path = FACTURX_PDFS / "invalidXMP.pdf"

    outcome = receive(path.read_bytes())

    assert_received_as_written(outcome, PdfReader(path).attachments["factur-x.xml"][0])
    xmp = [problem for problem in outcome.problems if problem.rule == "XMP"]
    assert len(xmp) == 1 and not xmp[0].fatal and "'no thing'" in xmp[0].message


@needs_material
def test_basic_wl_pdf_has_no_lines_and_says_they_must_be_completed() -> None:
    outcome = receive((FACTURX_PDFS / "validAvoir_FR_type380_BASICWL.pdf").read_bytes())

    assert isinstance(outcome, Received) and outcome.profile == "basicwl"
    assert outcome.data["lines"] == []
    assert [(p.rule, p.location, p.fatal) for p in outcome.problems if p.rule == "TO-COMPLETE"] == [
        ("TO-COMPLETE", "/lines", False)
    ]


def our_invoice() -> bytes:
    """A customer invoice as `convert_to_ubl` produces it, with several rates and an allowance."""
    party = {"name": "Parapheur Démo SAS", "siren": "732829320", "vat_number": "FR44732829320"}
    lines = [
        {"description": f"Article {i}", "quantity": 1 + i % 3, "unit_price": f"{10 + i * 3.5:.2f}", **vat}
        for i, rate in enumerate((20, 10, 5.5, 20, 2.1))
        for vat in [{"vat_category": "S", "vat_rate": rate}]
    ]
    return build_invoice(
        {
            "number": "FA-2026-00042",
            "issue_date": "2026-03-02",
            "due_date": "2026-04-01",
            "seller": {**party, "address": {"city": "Paris", "postal_code": "75002", "street": "1 rue de la Paix"}},
            "buyer": {
                "name": "Boulangerie Léa",
                "siren": "552100554",
                "address": {"city": "Lyon", "postal_code": "69006"},
            },
            "payment_means": {"code": "58", "iban": "FR7630006000011234567890189"},
            "lines": lines,
            "allowances": [{"reason": "Remise", "amount": 5, "vat_category": "S", "vat_rate": 20}],
        }
    )


def test_invoice_built_by_our_own_ubl_generator_is_received_with_the_same_totals() -> None:
    xml = our_invoice()

    outcome = receive(xml, "application/xml")

    assert_received_as_written(outcome, xml)
    assert outcome.data["seller"]["siren"] == "732829320"
    assert outcome.data["payment_means"]["iban"] == "FR7630006000011234567890189"
    assert not [problem for problem in outcome.problems if problem.rule.startswith("BR-CO")]


# --- refused before reading ----------------------------------------------------------------


def test_empty_file_is_rejected_as_empty() -> None:
    outcome = receive(b"", "application/xml")

    assert isinstance(outcome, Rejected) and outcome.reason is Refusal.EMPTY


def test_file_over_the_size_limit_is_rejected_unread_with_both_sizes() -> None:
    outcome = receive(b"<" * (MAX_BYTES + 1), "application/xml")

    assert isinstance(outcome, Rejected) and outcome.reason is Refusal.TOO_LARGE
    assert "20,971,521 bytes" in outcome.message and "20,971,520-byte limit" in outcome.message


def test_size_limit_is_a_parameter() -> None:
    small = receive(b"<Invoice/>", max_bytes=5)
    at_limit = receive(b"<Invoice/>", max_bytes=10)

    assert isinstance(small, Rejected) and small.reason is Refusal.TOO_LARGE
    assert isinstance(at_limit, Rejected) and at_limit.reason is Refusal.NOT_AN_INVOICE


def test_plain_pdf_ends_to_complete_not_received() -> None:
    from tests.jobs.reception.material import pdf

    outcome = receive(pdf(("Facture n° F-1",)), "application/pdf", "scan.pdf")

    assert isinstance(outcome, ToComplete)
    assert outcome.source.filename == "scan.pdf" and outcome.data["invoice_number"] == "F-1"


def test_source_keeps_the_file_unchanged_with_its_sha256() -> None:
    import hashlib

    content = our_invoice()

    outcome = receive(content)

    assert isinstance(outcome, Received)
    assert outcome.source.sha256 == hashlib.sha256(content).hexdigest() and outcome.source.size == len(content)
    assert io.BytesIO(outcome.source.content).read() == content

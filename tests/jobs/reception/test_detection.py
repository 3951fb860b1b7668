"""What a file is, from its bytes and declared media type; what is not an invoice says what it is."""

import pytest

from jobs.reception import Refusal, Rejected, receive
from tests.jobs.reception.material import CII_EXAMPLES, UBL_EXAMPLES, needs_material, pdf

UBL_ORDER = b"""<?xml version="1.0" encoding="UTF-8"?>
<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2">
  <cbc:ID>PO-1</cbc:ID><cbc:IssueDate>2026-03-02</cbc:IssueDate>
  <cac:BuyerCustomerParty><cac:Party><cac:PartyName><cbc:Name>B</cbc:Name></cac:PartyName></cac:Party></cac:BuyerCustomerParty>
  <cac:SellerSupplierParty><cac:Party><cac:PartyName><cbc:Name>S</cbc:Name></cac:PartyName></cac:Party></cac:SellerSupplierParty>
  <cac:OrderLine><cac:LineItem><cbc:ID>1</cbc:ID><cac:Item><cbc:Name>x</cbc:Name></cac:Item></cac:LineItem></cac:OrderLine>
</Order>"""


def test_ubl_order_is_rejected_as_not_an_invoice_naming_it() -> None:
    outcome = receive(UBL_ORDER, "application/xml")

    assert isinstance(outcome, Rejected) and outcome.reason is Refusal.NOT_AN_INVOICE
    assert "UBL Order" in outcome.message and "not an invoice" in outcome.message


@needs_material
def test_cii_with_a_broken_namespace_is_rejected_naming_the_expected_one() -> None:
    content = (CII_EXAMPLES / "CII_example1.xml").read_bytes()
    broken = content.replace(b"CrossIndustryInvoice:100", b"CrossIndustryInvoice:99")
    assert broken != content

    outcome = receive(broken, "application/xml")

    assert isinstance(outcome, Rejected) and outcome.reason is Refusal.NOT_AN_INVOICE
    assert "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" in outcome.message
    assert "CrossIndustryInvoice:99" in outcome.message


def test_zugferd_1_is_rejected_as_predating_en16931() -> None:
    outcome = receive(b'<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"/>')

    assert isinstance(outcome, Rejected) and outcome.reason is Refusal.NOT_AN_INVOICE
    assert "ZUGFeRD 1.0" in outcome.message


@pytest.mark.parametrize("media_type", ["image/png", "application/json", "text/plain"])
def test_unknown_declared_media_type_is_rejected(media_type: str) -> None:
    outcome = receive(b"<Invoice/>", media_type)

    assert isinstance(outcome, Rejected) and outcome.reason is Refusal.MEDIA_TYPE
    assert repr(media_type) in outcome.message


@pytest.mark.parametrize(
    "content", [b"\x89PNG\r\n\x1a\n rest", b"PK\x03\x04 zip", b"hello"], ids=["png", "zip", "text"]
)
def test_content_that_is_neither_xml_nor_pdf_is_rejected_whatever_is_declared(content: bytes) -> None:
    outcome = receive(content, "application/octet-stream")

    assert isinstance(outcome, Rejected) and outcome.reason is Refusal.MEDIA_TYPE
    assert "neither XML nor PDF" in outcome.message


def test_declared_type_that_contradicts_the_content_is_rejected() -> None:
    as_pdf = receive(b"<Invoice/>", "application/pdf")
    as_xml = receive(pdf(), "application/xml")

    assert isinstance(as_pdf, Rejected) and as_pdf.reason is Refusal.MEDIA_TYPE
    assert "declared as application/pdf but the content is application/xml" in as_pdf.message
    assert isinstance(as_xml, Rejected) and as_xml.reason is Refusal.MEDIA_TYPE


@needs_material
def test_media_type_parameters_and_case_are_ignored() -> None:
    content = (UBL_EXAMPLES / "ubl-tc434-example1.xml").read_bytes()

    outcome = receive(content, "Application/XML; charset=utf-8")

    assert not isinstance(outcome, Rejected)

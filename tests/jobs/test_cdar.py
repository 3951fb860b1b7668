"""CDAR lifecycle messages: one built for every official code passes the CDAR XSD and BR-FR-CDV
and reads back equal; received bytes that are not a valid CDAR end in a clear `CdarError`."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from jobs import cdar
from jobs.cdar import NSMAP, CdarError, Party, Payment, StatusMessage
from rules.lifecycle import BY_CODE

SELLER = Party("552081317", "Parapheur Démo SAS", "552081317")
BUYER = Party("552100554", "Boulangerie Léa & Fils", "552100554_LEA")
# A reason each code that needs one accepts (BR-FR-CDV-CL-09 lists them per code).
REASONS = {"206": "QTE_ERR", "207": "PU_ERR", "208": "JUSTIF_ABS", "210": "DOUBLON", "213": "REJ_SEMAN",
           "221": "ROUTAGE_ERR", "501": "IRR_SYNTAX"}


def status(code: str, **changes) -> StatusMessage:
    fields = dict(message_id=f"CDAR-{code}-1", issued_at=datetime(2026, 9, 3, 10, 15, 0, tzinfo=UTC), code=code,
                  invoice_number="FA-2026-00007", invoice_issue_date=date(2026, 9, 1), seller=SELLER, buyer=BUYER,
                  reason_code=REASONS.get(code, ""),
                  payments=(Payment(Decimal("120.00"), Decimal("20.00")),) if code == "212" else ())
    return StatusMessage(**{**fields, **changes})


@pytest.mark.parametrize("code", sorted(BY_CODE))
def test_a_message_built_for_every_official_code_passes_the_xsd_and_br_fr_cdv_and_reads_back_equal(code):
    message = status(code)

    xml = cdar.build(message)

    report = cdar.validate(xml)
    assert report.xsd_errors == [] and report.fatal == []
    tree = etree.fromstring(xml)
    referenced = "rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument"
    assert tree.xpath(f"string({referenced}/ram:ProcessConditionCode)", namespaces=NSMAP) == code
    assert tree.xpath(f"string({referenced}/ram:IssuerAssignedID)", namespaces=NSMAP) == "FA-2026-00007"
    assert cdar.parse(xml) == message


def test_partial_payment_carries_each_amount_cashed_per_vat_rate():
    payments = (Payment(Decimal("60.00"), Decimal("20.00")), Payment(Decimal("10.55"), Decimal("5.50")))
    xml = cdar.build(status("212", payments=payments))

    amounts = etree.fromstring(xml).xpath("//ram:SpecifiedDocumentCharacteristic[ram:TypeCode='MEN']/ram:ValueAmount",
                                          namespaces=NSMAP)
    assert [Decimal(a.text) for a in amounts] == [Decimal("60.00"), Decimal("10.55")]
    assert cdar.parse(xml).paid_amount == Decimal("70.55")


def test_payment_received_is_sent_as_the_seller_and_a_refusal_as_the_buyer():
    sender = "string(rsm:ExchangedDocument/ram:IssuerTradeParty/ram:GlobalID)"
    assert etree.fromstring(cdar.build(status("212"))).xpath(sender, namespaces=NSMAP) == SELLER.siren
    assert etree.fromstring(cdar.build(status("210"))).xpath(sender, namespaces=NSMAP) == BUYER.siren


@pytest.mark.parametrize(
    "changes, complaint",
    [
        ({"code": "299"}, "'299' is not an official lifecycle code"),
        ({"code": "210", "reason_code": ""}, r"210 .*Refusée.* needs a reason code"),
        ({"code": "212", "payments": ()}, "needs the amounts cashed per VAT rate"),
        ({"code": "212", "payments": (Payment(Decimal("1.005"), Decimal("20")),)}, "at most 2 decimals"),
        ({"code": "210", "reason_code": "ROUTAGE_ERR"}, "BR-FR-CDV-CL-09"),  # not a reason for a refusal
    ],
)
def test_a_status_that_would_not_be_a_valid_cdar_is_never_built(changes, complaint):
    with pytest.raises(CdarError, match=complaint):
        cdar.build(status(changes.pop("code"), **changes))


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm="%s">&x;</rsm:CrossDomainAcknowledgementAndResponse>
""" % cdar.RSM.encode()


@pytest.mark.parametrize(
    "xml, complaint",
    [
        (b"<not-closed", "not well-formed XML"),
        (XXE, "DOCTYPE or ENTITY declaration"),
        (b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>', "the root element is .*Invoice"),
        (b"<x/>" + b" " * (cdar.MAX_BYTES + 1), "more than the"),
    ],
)
def test_received_bytes_that_are_not_a_cdar_are_refused_with_what_is_wrong(xml, complaint):
    with pytest.raises(CdarError, match=complaint):
        cdar.parse(xml)


def test_a_received_cdar_breaking_br_fr_cdv_is_refused_naming_the_rule():
    tree = etree.fromstring(cdar.build(status("210")))
    for reason in tree.xpath("//ram:ReasonCode", namespaces=NSMAP):
        reason.getparent().remove(reason)

    with pytest.raises(CdarError, match="BR-FR-CDV-15"):
        cdar.parse(etree.tostring(tree))


def test_a_received_cdar_failing_the_xsd_is_refused_naming_the_line():
    xml = cdar.build(status("205")).replace(b"<ram:TypeCode>380", b"<ram:Unexpected>380").replace(
        b"380</ram:TypeCode>", b"380</ram:Unexpected>")

    with pytest.raises(CdarError, match=r"fails the CDAR XSD .*line \d+"):
        cdar.parse(xml)


def test_a_received_status_with_an_unofficial_code_is_read_not_refused():
    # BR-FR-CDV-CL-06 is a warning: platforms may agree on further codes between them.
    xml = cdar.build(status("205")).replace(b"<ram:ProcessConditionCode>205<", b"<ram:ProcessConditionCode>299<")

    assert cdar.parse(xml).code == "299"
    assert {v.rule for v in cdar.validate(xml).violations} == {"BR-FR-CDV-CL-06_MDT-105"}

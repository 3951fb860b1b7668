"""Validation lists every problem with its rule and location; French rules only warn."""

from lxml import etree

from jobs.reception import Received, Refusal, Rejected, receive
from tests.jobs.reception.material import CII_EXAMPLES, UBL_EXAMPLES, needs_material

UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
CBC = f"{{{UBL}CommonBasicComponents-2}}"
CAC = f"{{{UBL}CommonAggregateComponents-2}}"


@needs_material
def test_xsd_error_and_broken_business_rule_are_both_listed_with_rule_and_location() -> None:
    root = etree.parse(str(UBL_EXAMPLES / "ubl-tc434-example1.xml")).getroot()
    root.find(f"{CBC}ID").addprevious(etree.Element(f"{CBC}Unexpected"))
    inclusive = root.find(f"{CAC}LegalMonetaryTotal/{CBC}TaxInclusiveAmount")
    inclusive.text = str(float(inclusive.text) + 1)

    outcome = receive(etree.tostring(root), "application/xml")

    assert isinstance(outcome, Rejected) and outcome.reason is Refusal.INVALID
    fatal = {(problem.rule, problem.fatal) for problem in outcome.problems if problem.fatal}
    assert ("XSD", True) in fatal and ("BR-CO-15", True) in fatal
    xsd = next(problem for problem in outcome.problems if problem.rule == "XSD")
    assert xsd.location.startswith("/") and "Unexpected" in xsd.message and xsd.message.startswith("line ")
    rule = next(problem for problem in outcome.problems if problem.rule == "BR-CO-15")
    assert rule.location.startswith("/*:Invoice")
    assert "fatal problem(s)" in outcome.message


@needs_material
def test_french_ctc_rules_are_warnings_that_do_not_stop_reception() -> None:
    outcome = receive((UBL_EXAMPLES / "ubl-tc434-example1.xml").read_bytes())

    assert isinstance(outcome, Received)
    french = [problem for problem in outcome.problems if problem.rule.startswith("BR-FR")]
    assert french and not any(problem.fatal for problem in french)


@needs_material
def test_a_cii_the_cen_validator_accepts_is_not_rejected_for_factur_x_profile_rules() -> None:
    # CII_example5.xml uses an AdditionalReferencedDocument variant Factur-X EN 16931 does not use.
    outcome = receive((CII_EXAMPLES / "CII_example5.xml").read_bytes())

    assert isinstance(outcome, Received)
    profile = [problem for problem in outcome.problems if problem.message.startswith("Factur-X profile rule")]
    assert profile and not any(problem.fatal for problem in profile)


@needs_material
def test_broken_cii_business_rule_rejects_with_its_rule_id() -> None:
    content = (CII_EXAMPLES / "CII_example2.xml").read_bytes()
    root = etree.fromstring(content)
    grand = root.find(".//{*}GrandTotalAmount")
    grand.text = "1.00"

    outcome = receive(etree.tostring(root))

    assert isinstance(outcome, Rejected) and outcome.reason is Refusal.INVALID
    assert "BR-CO-15" in {problem.rule for problem in outcome.problems if problem.fatal}


@needs_material
def test_cii_xsd_error_is_listed() -> None:
    content = (CII_EXAMPLES / "CII_example2.xml").read_bytes()
    root = etree.fromstring(content)
    root.find(".//{*}ExchangedDocument").append(
        etree.Element("{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}Bogus")
    )

    outcome = receive(etree.tostring(root))

    assert isinstance(outcome, Rejected)
    assert any(problem.rule == "XSD" and "Bogus" in problem.message for problem in outcome.problems)

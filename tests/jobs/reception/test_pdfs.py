"""PDFs are read strictly and bounded: truncated, scripted or bomb-carrying files are refused."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jobs.reception import Received, Refusal, Rejected, ToComplete, receive
from tests.jobs.reception.material import CII_EXAMPLES, FACTURX_PDFS, ROOT, needs_material, pdf
from tests.jobs.reception.test_xml_input import BILLION_LAUGHS

CII = "un:unece:uncefact:data:standard:CrossIndustryInvoice:100"


def test_truncated_pdf_is_rejected_as_truncated() -> None:
    content = pdf(("Facture n° F-1",))

    outcome = receive(content[: len(content) // 2], "application/pdf")

    assert isinstance(outcome, Rejected) and outcome.reason is Refusal.UNREADABLE
    assert "truncated" in outcome.message


@needs_material
def test_official_pdf_cut_short_is_rejected() -> None:
    content = (FACTURX_PDFS / "EN16931_Einfach.pdf").read_bytes()

    outcome = receive(content[: len(content) - 2000], "application/pdf")

    assert isinstance(outcome, Rejected) and outcome.reason is Refusal.UNREADABLE


def test_pdf_with_javascript_is_refused_as_hostile() -> None:
    outcome = receive(pdf(("Facture n° F-1",), javascript=True), "application/pdf")

    assert isinstance(outcome, Rejected) and outcome.reason is Refusal.HOSTILE
    assert "JavaScript" in outcome.message


def test_same_pdf_without_javascript_is_accepted() -> None:
    assert isinstance(receive(pdf(("Facture n° F-1",))), ToComplete)


@needs_material
def test_embedded_cii_in_a_hand_made_pdf_is_received() -> None:
    content = pdf(attachment=("factur-x.xml", (CII_EXAMPLES / "CII_example2.xml").read_bytes()))

    outcome = receive(content)

    assert isinstance(outcome, Received) and outcome.profile == "en16931"


@pytest.mark.parametrize(
    ("xml", "reason", "words"),
    [
        (b"not xml at all", Refusal.UNREADABLE, "the XML embedded in the PDF is not well-formed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">'
            b"&e;</rsm:CrossIndustryInvoice>",
            Refusal.HOSTILE,
            "DOCTYPE",
        ),
        (
            b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
            Refusal.NOT_AN_INVOICE,
            "not a Cross Industry Invoice",
        ),
        (
            BILLION_LAUGHS.replace(b"oasis:names:specification:ubl:schema:xsd:Invoice-2", CII.encode()),
            Refusal.HOSTILE,
            "DOCTYPE",
        ),
    ],
    ids=["not-xml", "xxe", "ubl-in-facturx", "billion-laughs"],
)
def test_embedded_invoice_xml_that_cannot_be_one_is_rejected(xml: bytes, reason: Refusal, words: str) -> None:
    outcome = receive(pdf(attachment=("factur-x.xml", xml)))

    assert isinstance(outcome, Rejected) and outcome.reason is reason
    assert words in outcome.message
    assert "root:" not in repr(outcome)


# Measured in a fresh interpreter so the peak resident set size belongs to this reception alone.
MEASURE = """
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from jobs.reception import receive
from tests.jobs.reception.material import pdf
bomb = pdf(bomb_bytes=int(sys.argv[2]))
receive(pdf(("warm-up",)))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
outcome = receive(bomb, max_bytes=int(sys.argv[3]))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"size": len(bomb), "reason": outcome.reason.value, "message": outcome.message,
                  "peak_growth_kib": after - before}))
"""


def test_decompression_bomb_in_the_embedded_file_is_refused_with_bounded_memory() -> None:
    inflated, limit = 256 * 1024 * 1024, 20 * 1024 * 1024
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(ROOT), str(inflated), str(limit)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=Path(ROOT),
    )
    measured = json.loads(result.stdout.strip().splitlines()[-1])

    assert measured["reason"] == "hostile"
    assert "decompression bomb" in measured["message"]
    assert measured["size"] < 1024 * 1024  # a sub-megabyte file that would inflate to 256 MB
    # Bounded by the limit (pypdf's buffer and one copy of it), far below the 256 MB it inflates to.
    assert measured["peak_growth_kib"] < 3 * limit / 1024

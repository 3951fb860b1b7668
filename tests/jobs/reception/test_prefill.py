"""A PDF without structured data: its text pre-fills what a label names, the rest is to complete."""

import pytest

from jobs.reception import ToComplete, receive
from jobs.reception.prefill import EXPECTED, prefill
from tests.jobs.reception.material import pdf

FRENCH = (
    "ACME Fournitures SAS - SIREN 732 829 320 - TVA intracommunautaire FR44 732829320",
    "Facture n° FA-2026/0042",
    "Date de facture : 02/03/2026",
    "Échéance : 01/04/2026",
    "Total HT 1 234,50 €",
    "TVA 20 % 246,90 €",
    "Total TTC 1 481,40 €",
)


def test_french_pdf_invoice_text_pre_fills_number_dates_totals_and_seller_ids() -> None:
    outcome = receive(pdf(FRENCH), "application/pdf")

    assert isinstance(outcome, ToComplete)
    assert outcome.data == {
        "invoice_number": "FA-2026/0042",
        "invoice_date": "2026-03-02",
        "due_date": "2026-04-01",
        "total_ht": 1234.5,
        "total_vat": 246.9,
        "total_ttc": 1481.4,
        "seller": {"siren": "732829320", "vat_number": "FR44732829320"},
    }
    assert outcome.problems == ()


def test_pdf_without_recognisable_fields_lists_each_field_to_complete() -> None:
    outcome = receive(pdf(("Bonjour", "Merci pour votre commande")), "application/pdf")

    assert isinstance(outcome, ToComplete)
    assert outcome.data == {}
    assert [problem.location for problem in outcome.problems] == [f"/{field}" for field in EXPECTED]
    assert not any(problem.fatal for problem in outcome.problems)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Total HT: 1,234.50 EUR", 1234.5), ("Total HT 1.234,50", 1234.5), ("Total HT 99", 99.0)],
)
def test_amounts_in_french_and_english_layouts_are_read(text: str, expected: float) -> None:
    assert prefill(text)[0]["total_ht"] == expected


def test_nine_digits_that_fail_the_siren_check_digit_are_not_taken() -> None:
    assert "seller" not in prefill("SIREN 123 456 789")[0]

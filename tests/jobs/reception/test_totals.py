"""Totals are the file's: checked against its lines, a difference shown, never recomputed."""

from dataclasses import replace
from decimal import Decimal

from lxml import etree

from jobs.reception import Received, receive
from jobs.reception.totals import check_totals
from tests.jobs.reception.material import UBL_EXAMPLES, needs_material


def received(name: str) -> Received:
    outcome = receive((UBL_EXAMPLES / name).read_bytes())
    assert isinstance(outcome, Received)
    return outcome


@needs_material
def test_totals_of_a_consistent_invoice_raise_no_problem() -> None:
    assert check_totals(received("ubl-tc434-example2.xml").invoice) == []


@needs_material
def test_line_amount_that_does_not_add_up_to_bt106_is_a_non_fatal_problem_on_lines() -> None:
    invoice = received("ubl-tc434-example2.xml").invoice
    first = invoice.lines[0]
    changed = replace(
        invoice, lines=(replace(first, net_amount=first.net_amount + Decimal("0.10")), *invoice.lines[1:])
    )

    problems = check_totals(changed)

    assert [(p.rule, p.location, p.fatal) for p in problems] == [("BR-CO-10", "/lines", False)]
    assert "difference -0.10" in problems[0].message and str(invoice.totals.line_net) in problems[0].message


@needs_material
def test_total_with_vat_that_is_not_its_parts_is_flagged_and_kept_as_written() -> None:
    invoice = received("ubl-tc434-example2.xml").invoice
    wrong = invoice.totals.with_vat + Decimal("1")
    changed = replace(invoice, totals=replace(invoice.totals, with_vat=wrong))

    problems = check_totals(changed)

    assert ("BR-CO-15", "/total_ttc") in {(p.rule, p.location) for p in problems}
    assert changed.totals.with_vat == wrong


@needs_material
def test_amount_due_is_carried_over_as_written() -> None:
    root = etree.parse(str(UBL_EXAMPLES / "ubl-tc434-example2.xml")).getroot()
    payable = root.find(".//{*}LegalMonetaryTotal/{*}PayableAmount")

    outcome = receive(etree.tostring(root))

    assert isinstance(outcome, Received)
    assert Decimal(str(outcome.data["amount_due"])) == Decimal(payable.text)

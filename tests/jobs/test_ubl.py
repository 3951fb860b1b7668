"""Customer invoices as UBL: the amounts, the XML, its validity, and the shipped template."""

import copy
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from lxml import etree

from form_engine.computed import compute
from form_engine.fields import field_names
from form_engine.screens import compile_screen, iter_controls
from form_engine.ui_schema import check_ui_schema
from form_engine.validation import validate
from jobs.en16931 import validate_ubl
from jobs.errors import PermanentJobError
from jobs.ubl import CUSTOMIZATION_ID, InvoiceDataError, build_invoice, invoice_totals
from models.document_types import check_definition
from rules.actors import Actor, Grant
from rules.checker import check_workflow
from rules.decisions import Accepted, decide
from rules.definitions import parse_workflow
from rules.errors import Refused

TEMPLATE = Path(__file__).resolve().parents[2] / "ui-schemas" / "customer_invoice"
UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
NS = {"cac": f"{UBL}CommonAggregateComponents-2", "cbc": f"{UBL}CommonBasicComponents-2", "inv": f"{UBL}Invoice-2"}

SELLER = {
    "name": "Parapheur Démo SAS",
    "siren": "732829320",
    "vat_number": "FR44732829320",
    "address": {"street": "1 rue de la Paix", "city": "Paris", "postal_code": "75002", "country": "FR"},
}
BUYER = {
    "name": "Boulangerie Léa & Fils",
    "siren": "552100554",
    "vat_number": "FR12552100554",
    "address": {"street": "2 avenue Foch", "additional_street": "Bâtiment B", "city": "Lyon", "postal_code": "69006"},
    "email": "compta@boulangerie.example",
}


def line(quantity: Any, price: Any, rate: Any = 20, category: str = "S", **extra: Any) -> dict[str, Any]:
    return {
        "description": "Service",
        "quantity": quantity,
        "unit_price": price,
        "vat_category": category,
        "vat_rate": rate,
        **extra,
    }


def adjustment(amount: Any, rate: Any = 20, category: str = "S", reason: str = "Remise") -> dict[str, Any]:
    return {"reason": reason, "amount": amount, "vat_category": category, "vat_rate": rate}


def invoice(lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "number": "FA-2026-00042",
        "issue_date": "2026-03-02",
        "due_date": "2026-04-01",
        "payment_terms": "30 jours fin de mois; pénalités de retard: 3 fois le taux d'intérêt légal",
        "payment_means": {"code": "58", "iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "AGRIFRPP"},
        "seller": SELLER,
        "buyer": BUYER,
        "lines": lines,
        **extra,
    }


SPECIAL = 'Réparation <urgente> & "garantie" d\'un four à pain — 24 h/24, œuvre, ß, 日本, 🍞 ' * 6

VARIED: dict[str, dict[str, Any]] = {
    "one-line-standard-rate": invoice([line(3, 150)]),
    "four-standard-rates": invoice([line(2, 1200.5, 20), line(1, 80, 10), line(10, 3.9, 5.5), line(4, 1.95, 2.1)]),
    "zero-rated-lines": invoice([line(1, 500, 0, "Z"), line(2, 120, 20), line(5, 9.99, 0, "Z")]),
    "exempt-line-with-reason": invoice(
        [line(1, 1800, 0, "E"), line(1, 35.5, 20)],
        vat_exemption_reason="Exonération de TVA, article 261-4-4° du CGI (formation professionnelle)",
    ),
    "reverse-charge": invoice([line(12, 95, 0, "AE"), line(1, 40, 20)]),
    "document-allowance-and-charge": invoice(
        [line(1, 1000, 20), line(1, 200, 5.5), line(1, 300, 0, "Z")],
        allowances=[adjustment(100, 20), adjustment(12.345, 0, "Z", "Geste commercial")],
        charges=[adjustment(50, 5.5, reason="Frais de port")],
    ),
    "line-allowances": invoice(
        [line(10, 49.9, 20, allowances=[{"reason": "Remise quantité", "amount": 24.95}]), line(1, 10, 10)]
    ),
    "half-up-rounding": invoice([line(3, 0.335, 20), line(1, 3.25, 10), line(1, 0.1, 5.5), line(2, 0.1, 5.5)]),
    "fractional-quantities-and-prices": invoice([line(1.5, 80.333, 20), line(0.25, 1234.5678, 10, unit_code="HUR")]),
    "250-lines": invoice([line(1 + i % 7, Decimal(i * 37 % 1000) / 8, (20, 10, 5.5, 2.1)[i % 4]) for i in range(250)]),
    "credit-line-negative-quantity": invoice([line(5, 100, 20), line(-1, 100, 20, description="Retour d'un article")]),
    "special-characters-and-accents": invoice(
        [line(1, 10, 20, description=SPECIAL), line(2, 5, 5.5, description="Crème brûlée")],
        buyer_reference="BC <2026> & 'X'",
        buyer={**BUYER, "name": 'Sté <Dupont> & "Fils" l\'Épicerie'},
    ),
    "prepaid-deposit": invoice([line(1, 1000, 20)], prepaid=300),
    "strings-as-numbers-and-no-payment-means": {
        **invoice([line("2", "19.90", "20")]),
        "payment_means": None,
        "due_date": None,
    },
}


def read(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def amount(root: etree._Element, path: str) -> Decimal | None:
    element = root.find(path, NS)
    if element is None:
        return None
    assert element.get("currencyID") == "EUR", path
    return Decimal(element.text)


def written_totals(root: etree._Element) -> dict[str, Any]:
    """BT-106 … BT-115, the VAT breakdown and the line nets, as the XML states them."""
    total = "cac:LegalMonetaryTotal/cbc:"
    return {
        "lines": [Decimal(e.text) for e in root.iterfind("cac:InvoiceLine/cbc:LineExtensionAmount", NS)],
        "line_total": amount(root, total + "LineExtensionAmount"),
        "allowance_total": amount(root, total + "AllowanceTotalAmount") or Decimal("0.00"),
        "charge_total": amount(root, total + "ChargeTotalAmount") or Decimal("0.00"),
        "tax_exclusive": amount(root, total + "TaxExclusiveAmount"),
        "vat_breakdown": [
            {
                "category": subtotal.findtext("cac:TaxCategory/cbc:ID", namespaces=NS),
                "rate": Decimal(subtotal.findtext("cac:TaxCategory/cbc:Percent", namespaces=NS)),
                "taxable": amount(subtotal, "cbc:TaxableAmount"),
                "tax": amount(subtotal, "cbc:TaxAmount"),
                "exemption_reason_code": subtotal.findtext("cac:TaxCategory/cbc:TaxExemptionReasonCode", "", NS),
                "exemption_reason": subtotal.findtext("cac:TaxCategory/cbc:TaxExemptionReason", "", NS),
            }
            for subtotal in root.iterfind("cac:TaxTotal/cac:TaxSubtotal", NS)
        ],
        "tax_total": amount(root, "cac:TaxTotal/cbc:TaxAmount"),
        "tax_inclusive": amount(root, total + "TaxInclusiveAmount"),
        "prepaid": amount(root, total + "PrepaidAmount") or Decimal("0.00"),
        "payable": amount(root, total + "PayableAmount"),
    }


# --- generated invoices are valid and say what invoice_totals says -------------------------------


@pytest.mark.parametrize("data", VARIED.values(), ids=VARIED.keys())
def test_generated_invoice_passes_xsd_and_en16931_without_any_violation(data: dict[str, Any]) -> None:
    report = validate_ubl(build_invoice(data))

    assert report.xsd_errors == []
    assert report.fatal == []
    assert report.violations == []  # not even a warning


@pytest.mark.parametrize("data", VARIED.values(), ids=VARIED.keys())
def test_amounts_in_the_xml_are_those_of_invoice_totals(data: dict[str, Any]) -> None:
    assert written_totals(read(build_invoice(data))) == invoice_totals(data)


def test_document_allowance_and_charge_land_in_the_vat_base_of_their_category_and_rate() -> None:
    totals = invoice_totals(VARIED["document-allowance-and-charge"])

    assert totals["line_total"] == Decimal("1500.00")  # BT-106
    assert totals["allowance_total"] == Decimal("112.35")  # BT-107: 12.345 is rounded half-up
    assert totals["charge_total"] == Decimal("50.00")  # BT-108
    assert totals["tax_exclusive"] == Decimal("1437.65")  # BT-109 = 1500 - 112.35 + 50
    assert [(r["category"], r["rate"], r["taxable"], r["tax"]) for r in totals["vat_breakdown"]] == [
        ("S", Decimal(20), Decimal("900.00"), Decimal("180.00")),
        ("S", Decimal("5.5"), Decimal("250.00"), Decimal("13.75")),
        ("Z", Decimal(0), Decimal("287.65"), Decimal("0.00")),
    ]
    assert totals["tax_total"] == Decimal("193.75")  # BT-110
    assert totals["tax_inclusive"] == Decimal("1631.40")  # BT-112
    assert totals["payable"] == Decimal("1631.40")  # BT-115


def test_amounts_are_rounded_half_up_per_line_and_per_vat_rate_not_per_line_vat() -> None:
    totals = invoice_totals(VARIED["half-up-rounding"])

    # 3 × 0.335 = 1.005 → 1.01 (half-even or float arithmetic would give 1.00)
    assert totals["lines"] == [Decimal("1.01"), Decimal("3.25"), Decimal("0.10"), Decimal("0.20")]
    # 20 %: 1.01 → 0.202 → 0.20; 10 %: 3.25 → 0.325 → 0.33 (half-even: 0.32);
    # 5.5 %: 0.30 → 0.0165 → 0.02 on the rate's base (VAT rounded per line would give 0.01 + 0.01).
    assert [(r["rate"], r["taxable"], r["tax"]) for r in totals["vat_breakdown"]] == [
        (Decimal(20), Decimal("1.01"), Decimal("0.20")),
        (Decimal(10), Decimal("3.25"), Decimal("0.33")),
        (Decimal("5.5"), Decimal("0.30"), Decimal("0.02")),
    ]
    assert totals["tax_exclusive"] == Decimal("4.56")
    assert totals["tax_total"] == Decimal("0.55")
    assert totals["tax_inclusive"] == Decimal("5.11")


def test_line_allowance_reduces_the_line_net_amount() -> None:
    totals = invoice_totals(VARIED["line-allowances"])

    assert totals["lines"] == [Decimal("474.05"), Decimal("10.00")]  # 10 × 49.90 − 24.95


def test_credit_line_with_negative_quantity_reduces_the_totals() -> None:
    totals = invoice_totals(VARIED["credit-line-negative-quantity"])

    assert totals["lines"] == [Decimal("500.00"), Decimal("-100.00")]
    assert totals["tax_inclusive"] == Decimal("480.00")


def test_prepaid_amount_is_deducted_from_the_amount_due() -> None:
    totals = invoice_totals(VARIED["prepaid-deposit"])

    assert (totals["tax_inclusive"], totals["prepaid"], totals["payable"]) == (
        Decimal("1200.00"),
        Decimal("300.00"),
        Decimal("900.00"),
    )


def test_float_inputs_are_read_as_their_decimal_text() -> None:
    totals = invoice_totals(invoice([line(3, 0.1, 20), line(1, 0.2, 20)]))

    assert totals["line_total"] == Decimal("0.50")
    assert totals["tax_total"] == Decimal("0.10")


def test_exempt_and_reverse_charge_breakdowns_carry_their_reason() -> None:
    exempt = invoice_totals(VARIED["exempt-line-with-reason"])["vat_breakdown"]
    reverse = invoice_totals(VARIED["reverse-charge"])["vat_breakdown"]

    assert exempt[0]["category"] == "E" and exempt[0]["exemption_reason"].startswith("Exonération de TVA")
    assert exempt[1]["exemption_reason"] == ""
    assert (reverse[0]["exemption_reason_code"], reverse[0]["exemption_reason"]) == ("VATEX-EU-AE", "Autoliquidation")


# --- what the XML says ------------------------------------------------------------------------


def test_invoice_header_parties_and_payment_are_written() -> None:
    root = read(build_invoice(VARIED["one-line-standard-rate"]))
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)

    assert etree.QName(root).namespace == NS["inv"]
    assert root.findtext("cbc:CustomizationID", namespaces=NS) == CUSTOMIZATION_ID == "urn:cen.eu:en16931:2017"
    assert [
        root.findtext(f"cbc:{name}", namespaces=NS)
        for name in ("ID", "IssueDate", "DueDate", "InvoiceTypeCode", "DocumentCurrencyCode")
    ] == ["FA-2026-00042", "2026-03-02", "2026-04-01", "380", "EUR"]
    legal = seller.find("cac:PartyLegalEntity/cbc:CompanyID", NS)
    assert (legal.text, legal.get("schemeID")) == ("732829320", "0002")
    endpoint = seller.find("cbc:EndpointID", NS)
    assert (endpoint.text, endpoint.get("schemeID")) == ("732829320", "0225")
    assert seller.findtext("cac:PartyTaxScheme/cbc:CompanyID", namespaces=NS) == "FR44732829320"
    assert seller.findtext("cac:PostalAddress/cac:Country/cbc:IdentificationCode", namespaces=NS) == "FR"
    assert buyer.findtext("cac:PartyLegalEntity/cbc:RegistrationName", namespaces=NS) == "Boulangerie Léa & Fils"
    assert buyer.findtext("cac:PostalAddress/cbc:AdditionalStreetName", namespaces=NS) == "Bâtiment B"
    assert buyer.findtext("cac:Contact/cbc:ElectronicMail", namespaces=NS) == "compta@boulangerie.example"
    assert root.findtext("cac:PaymentMeans/cbc:PaymentMeansCode", namespaces=NS) == "58"
    assert root.findtext("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", namespaces=NS) == (
        "FR7630006000011234567890189"
    )
    assert root.findtext("cac:PaymentTerms/cbc:Note", namespaces=NS).startswith("30 jours fin de mois")


def test_special_characters_round_trip_exactly_through_the_xml() -> None:
    xml = build_invoice(VARIED["special-characters-and-accents"])
    root = read(xml)

    assert root.findtext("cac:InvoiceLine/cac:Item/cbc:Name", namespaces=NS) == SPECIAL.strip()
    assert root.findtext("cbc:BuyerReference", namespaces=NS) == "BC <2026> & 'X'"
    assert b"<urgente>" not in xml and b"&lt;urgente&gt;" in xml
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_quantities_prices_and_rates_are_plain_decimals_in_the_xml() -> None:
    xml = build_invoice(VARIED["fractional-quantities-and-prices"])
    root = read(xml)
    first, second = root.iterfind("cac:InvoiceLine", NS)

    assert first.findtext("cbc:InvoicedQuantity", namespaces=NS) == "1.5"
    assert first.findtext("cac:Price/cbc:PriceAmount", namespaces=NS) == "80.333"
    assert first.findtext("cbc:LineExtensionAmount", namespaces=NS) == "120.50"  # 120.4995 → 120.50
    assert second.find("cbc:InvoicedQuantity", NS).get("unitCode") == "HUR"
    rates = [e.text for e in root.iterfind(".//cbc:Percent", NS)]
    assert rates and set(rates) == {"20", "10"}
    assert re.search(rb">-?[0-9.]+[eE][-+]?[0-9]+<", xml) is None


def test_generated_invoice_breaking_a_total_is_caught_by_the_validator() -> None:
    root = read(build_invoice(VARIED["four-standard-rates"]))
    root.find("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", NS).text = "0.01"

    report = validate_ubl(etree.tostring(root))

    assert not report.ok
    assert {"BR-CO-14", "BR-S-09"} <= {violation.rule for violation in report.fatal}


# --- data the builder refuses -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["lines"].append(line(1, 10, 0, "E")), "/vat_exemption_reason: is required"),
        (lambda d: d["lines"].append(line(1, 10, 0, "S")), "/lines/1/vat_rate: standard rate (S) must be more than 0"),
        (lambda d: d["lines"].append(line(1, 10, 20, "Z")), "/lines/1/vat_rate: category Z takes a 0 rate"),
        (lambda d: d["lines"].append(line(1, 10, 20, "K")), "/lines/1/vat_category: expected one of S, Z, E, AE"),
        (lambda d: d["lines"].append(line(1, -10)), "/lines/1/unit_price: a net price must not be negative"),
        (lambda d: d["lines"].append(line(True, 10)), "/lines/1/quantity: expected a number, got True"),
        (lambda d: d["lines"].append(line("NaN", 10)), "/lines/1/quantity: expected a finite number"),
        (lambda d: d["lines"].append(line(1, 10, description="bell\x07")), "/lines/1/description: holds a control"),
        (lambda d: d.update(lines=[]), "/lines: expected a list of at least 1 item(s)"),
        (lambda d: d.update(issue_date="02/03/2026"), "/issue_date: expected a date as YYYY-MM-DD"),
        (lambda d: d.update(number=""), "/number: is required"),
        (lambda d: d["lines"].append(line(1, 10, description="   ")), "/lines/1/description: is required"),
        (lambda d: d.update(lines=None), "/lines: expected a list of at least 1 item(s)"),
        (lambda d: d.update(allowances=[adjustment(-5)]), "/allowances/0/amount: must not be negative"),
        (lambda d: d.update(seller={**SELLER, "siren": "12345"}), "/seller/siren: a SIREN is 9 digits"),
        (lambda d: d.update(seller={**SELLER, "vat_number": None}), "/seller/vat_number: is required"),
        (
            lambda d: d.update(buyer={**BUYER, "vat_number": None}, lines=[line(1, 10, 0, "AE")]),
            "/buyer/vat_number: is required",
        ),
        (
            lambda d: d.update(payment_means={"code": "42", "iban": "FR76"}),
            "/payment_means/code: expected one of 30, 58",
        ),
        (lambda d: d.update(payment_means={"code": "30"}), "/payment_means/iban: is required"),
    ],
    ids=[
        "exempt-without-reason",
        "standard-at-zero",
        "zero-rated-at-20",
        "unknown-category",
        "negative-price",
        "bool-quantity",
        "nan-quantity",
        "control-character",
        "no-lines",
        "bad-date",
        "no-number",
        "blank-description",
        "lines-null",
        "negative-allowance",
        "bad-siren",
        "seller-without-vat-number",
        "reverse-charge-buyer-without-vat-number",
        "unknown-payment-means",
        "credit-transfer-without-iban",
    ],
)
def test_builder_refuses_data_a_conforming_invoice_cannot_carry(change: Callable[[dict], Any], expected: str) -> None:
    data = copy.deepcopy(VARIED["one-line-standard-rate"])
    change(data)

    with pytest.raises(InvoiceDataError) as raised:
        build_invoice(data)
    with pytest.raises(InvoiceDataError):
        invoice_totals(data)

    assert any(problem.startswith(expected) for problem in raised.value.problems), raised.value.problems
    assert isinstance(raised.value, PermanentJobError) and not raised.value.retryable


def test_builder_lists_every_problem_at_once() -> None:
    data = invoice([line("x", 10), line(1, 10, 0, "E")], issue_date="tomorrow", seller={"name": "X"})

    with pytest.raises(InvoiceDataError) as raised:
        build_invoice(data)

    paths = [problem.split(":")[0] for problem in raised.value.problems]
    assert {
        "/lines/0/quantity",
        "/issue_date",
        "/seller/siren",
        "/seller/vat_number",
        "/seller/address",
        "/vat_exemption_reason",
    } <= set(paths)
    assert str(raised.value).startswith("invoice data refused: ")


# --- the shipped customer_invoice template --------------------------------------------------------


def template(name: str) -> Any:
    return json.loads((TEMPLATE / name).read_text(encoding="utf-8"))


@pytest.fixture
def schema() -> dict[str, Any]:
    return template("schema.json")


def document(**extra: Any) -> dict[str, Any]:
    """customer_invoice data as a client sends it: no computed fields."""
    return {
        "customer": "BOULANGERIE-LEA",
        "issue_date": "2026-03-02",
        "due_date": "2026-04-01",
        "payment_terms": "30 jours net",
        "buyer_reference": "BC-2026-118",
        "lines": [
            {"description": "Four à sole", "quantity": 1, "unit_price": 8900, "vat_category": "S", "vat_rate": 20},
            {
                "description": "Livre de recettes",
                "quantity": 3,
                "unit_price": 24.9,
                "vat_category": "S",
                "vat_rate": 5.5,
            },
            {"description": "Formation", "quantity": 2, "unit_price": 450, "vat_category": "E", "vat_rate": 0},
            {"description": "Export", "quantity": 1, "unit_price": 0.335, "vat_category": "Z", "vat_rate": 0},
        ],
        "vat_exemption_reason": "Exonération de TVA, article 261-4-4° du CGI",
        **extra,
    }


def test_template_type_declares_the_customer_invoice() -> None:
    assert template("type.json") == {
        "key": "customer_invoice",
        "name": "Customer invoice",
        "category": "invoicing",
        "number_prefix": "FA",
        "permissions": {"create": ["accounting", "admin"], "partner_field": "customer"},
        "catalogs": {"customers": "Customers"},
    }


def test_template_schema_is_a_valid_draft_2020_12_schema(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["customer"]["x-catalog"] == "customers"


def test_template_ui_schema_passes_the_check_and_shows_every_field(schema: dict[str, Any]) -> None:
    ui = template("ui.json")
    scopes: list[str] = []

    def collect(element: dict[str, Any]) -> None:
        if "scope" in element:
            scopes.append(element["scope"])
        for child in element.get("elements", []):
            collect(child)
        if "detail" in element.get("options", {}):
            collect(element["options"]["detail"])

    collect(ui)
    assert check_ui_schema(schema, ui) == []
    properties = schema["properties"]
    expected = [f"#/properties/{name}" for name in field_names(schema)]
    expected += [
        f"#/properties/{name}" for array in ("lines", "allowances") for name in properties[array]["items"]["properties"]
    ]
    assert sorted(scopes) == sorted(expected)


def test_template_screen_has_a_column_per_field_of_a_line_and_of_an_allowance(schema: dict[str, Any]) -> None:
    """The items' rate-matches-category rule is an allOf branch: a $ref beside `properties` would
    hide them from the screen model, whose `effective` follows a $ref alone, and leave the tables
    with no columns, so no line amounts nor totals in the widgets."""
    screen = compile_screen(schema, template("ui.json"))

    tables = {c["pointer"]: [col["field"] for col in c["columns"]] for c in iter_controls(screen) if "columns" in c}

    assert tables == {
        "/lines": ["/description", "/quantity", "/unit_price", "/vat_category", "/vat_rate", "/amount"],
        "/allowances": ["/reason", "/amount", "/vat_category", "/vat_rate"],
    }


def test_template_workflow_passes_the_publish_check(schema: dict[str, Any]) -> None:
    assert check_workflow(template("workflow.json"), field_names(schema)) == []


def test_template_passes_the_check_run_when_it_is_published(schema: dict[str, Any]) -> None:
    assert check_definition(schema, template("ui.json"), template("workflow.json")) == []


def test_template_workflow_runs_from_draft_to_paid_queuing_conversion_sending_then_the_payment_status() -> None:
    workflow = parse_workflow(template("workflow.json"))
    accountant = Actor(user_id=1, grants=(Grant("accounting"),))

    def act(state: str, action: str, actor: Actor = accountant) -> Accepted | Refused:
        return decide(workflow, state=state, data=document(), actor=actor, creator_id=1, action=action, comment=None)

    path = [
        ("draft", "validate", "validated", ("convert_to_ubl",)),
        ("validated", "mark_sent", "sent", ("send_to_platform",)),
        ("sent", "mark_paid", "paid", ("send_payment_status",)),
    ]
    for state, action, target, actions in path:
        result = act(state, action)
        assert isinstance(result, Accepted), result
        assert (result.state, result.jobs) == (target, actions)
    assert workflow.states["paid"].final and workflow.states["cancelled"].final
    cancelled = act("draft", "cancel")
    assert isinstance(cancelled, Accepted) and cancelled.state == "cancelled"
    admin_only = Actor(user_id=2, grants=(Grant("admin"),))
    assert isinstance(act("draft", "validate", admin_only), Refused)
    assert isinstance(act("validated", "mark_sent", admin_only), Refused)


def test_template_refuses_a_vat_rate_that_does_not_match_its_category(schema: dict[str, Any]) -> None:
    data = document()
    data["lines"][0]["vat_rate"] = 0
    data["lines"][2]["vat_rate"] = 20
    del data["vat_exemption_reason"]

    errors = {(error.path, error.message) for error in validate(schema, compute(schema, data))}

    assert errors == {
        ("/lines/0/vat_rate", "must be greater than 0 (got 0)"),
        ("/lines/2/vat_rate", "must be 0 (got 20)"),
        ("/vat_exemption_reason", "vat_exemption_reason is required"),
    }


def test_template_computed_totals_are_the_invoice_totals(schema: dict[str, Any]) -> None:
    computed = compute(schema, document())
    totals = invoice_totals({**computed, "number": "FA-2026-00001", "seller": SELLER, "buyer": BUYER})

    assert validate(schema, computed) == []
    assert [Decimal(str(item["amount"])) for item in computed["lines"]] == totals["lines"]
    assert Decimal(str(computed["total_ht"])) == totals["tax_exclusive"] == Decimal("9875.04")
    assert Decimal(str(computed["total_vat"])) == totals["tax_total"] == Decimal("1784.11")
    assert Decimal(str(computed["total_ttc"])) == totals["tax_inclusive"]


def test_template_computed_totals_include_document_level_allowances(schema: dict[str, Any]) -> None:
    computed = compute(schema, document(allowances=[adjustment(100, 20)]))
    totals = invoice_totals({**computed, "number": "FA-2026-00001", "seller": SELLER, "buyer": BUYER})

    assert Decimal(str(computed["total_ht"])) == totals["tax_exclusive"] == Decimal("9775.04")
    assert Decimal(str(computed["total_vat"])) == totals["tax_total"] == Decimal("1764.11")
    assert Decimal(str(computed["total_ttc"])) == totals["tax_inclusive"]


ALLOWANCES: dict[str, list[dict[str, Any]]] = {
    "none": [],
    "several-rates": [adjustment(100, 20), adjustment(5.45, 5.5), adjustment(12.5, 0, "Z")],
    "exempt": [adjustment(300, 0, "E", "Remise formation")],
    "half-cents-each-rounded-up": [adjustment(0.005, 20), adjustment(0.005, 20), adjustment(12.345, 5.5)],
    "rate-without-lines": [adjustment(0.05, 10)],  # a -0.05 base: -0.005 of VAT, rounded to -0.01
    "vat-rounded-once-after-the-allowance": [adjustment(74.45, 5.5)],  # 0.25 x 5.5 % -> 0.01, not 4.11 - 4.09
    "larger-than-its-rate": [adjustment(80, 5.5)],  # the 5.5 % base turns negative
}


@pytest.mark.parametrize("allowances", ALLOWANCES.values(), ids=ALLOWANCES.keys())
def test_template_computed_totals_equal_the_invoice_totals_with_allowances(
    schema: dict[str, Any], allowances: list[dict[str, Any]]
) -> None:
    computed = compute(schema, document(allowances=allowances))
    totals = invoice_totals({**computed, "number": "FA-2026-00001", "seller": SELLER, "buyer": BUYER})

    assert Decimal(str(computed["total_ht"])) == totals["tax_exclusive"]
    assert Decimal(str(computed["total_vat"])) == totals["tax_total"]
    assert Decimal(str(computed["total_ttc"])) == totals["tax_inclusive"]


def test_template_extended_with_charges_computes_the_invoice_totals(schema: dict[str, Any]) -> None:
    """The template has no charges (BG-21); one that adds them writes them in with a + sign."""
    properties = schema["properties"]
    properties["charges"] = copy.deepcopy(properties["allowances"])
    properties["total_ht"]["x-computed"] = "sum(lines, amount, allowances, -cents(amount), charges, cents(amount))"
    properties["total_vat"]["x-computed"] = (
        "vat(lines, amount, vat_rate, allowances, -cents(amount), vat_rate, charges, cents(amount), vat_rate)"
    )
    data = document(
        allowances=[adjustment(100, 20), adjustment(0.005, 5.5)],
        charges=[adjustment(50, 5.5, reason="Frais de port"), adjustment(12.345, 20, reason="Emballage")],
    )

    computed = compute(schema, data)
    totals = invoice_totals({**computed, "number": "FA-2026-00001", "seller": SELLER, "buyer": BUYER})

    assert validate(schema, computed) == []
    assert Decimal(str(computed["total_ht"])) == totals["tax_exclusive"] == Decimal("9837.38")
    assert Decimal(str(computed["total_vat"])) == totals["tax_total"]
    assert Decimal(str(computed["total_ttc"])) == totals["tax_inclusive"]


def test_template_document_converts_to_a_valid_ubl_invoice(schema: dict[str, Any]) -> None:
    computed = compute(schema, document(allowances=[adjustment(100, 20, reason="Remise fidélité")]))
    assert validate(schema, computed) == []

    xml = build_invoice({**computed, "number": "FA-2026-00001", "seller": SELLER, "buyer": BUYER})

    report = validate_ubl(xml)
    assert report.ok and report.violations == []
    assert read(xml).findtext("cbc:BuyerReference", namespaces=NS) == "BC-2026-118"

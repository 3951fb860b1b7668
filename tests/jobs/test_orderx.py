"""The Order-X purchase order: built from plain data, valid against the Order-X XSD and schematron."""

import copy
import datetime
from decimal import Decimal
from typing import Any

import facturx
import pytest
from lxml import etree

from jobs.errors import PermanentJobError
from jobs.orderx import (
    GUIDELINE,
    OrderDataError,
    build_order,
    read_order,
    schematron_errors,
    validate_order,
)

NS = {
    "rsm": "urn:un:unece:uncefact:data:SCRDMCCBDACIOMessageStructure:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:128",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:128",
}
SUMMATION = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation"


def three_line_order() -> dict[str, Any]:
    """Rates 20, 10 and 5.5 %; VAT 480 + 8.05 + 2.14335 (-> 2.14) = 490.19."""
    return {
        "number": "BC-2026-00001",
        "issue_date": datetime.date(2026, 3, 2),
        "buyer": {
            "name": "Parapheur Demo SAS",
            "siren": "732829320",
            "email": "achats@demo.example",
            "address": {"street": "1 rue de la Paix", "city": "Paris", "postal_code": "75002"},
        },
        "seller": {"name": "ACME Fournitures", "siren": "552100554", "email": "orders@acme.example"},
        "buyer_reference": "DA-2026-00042",
        "needed_by": "2026-04-01",
        "lines": [
            {"description": "Laptop", "quantity": 2, "unit_price": 1200.0, "vat_rate": 20, "amount": 2400.0},
            {"description": "Transport", "quantity": 1, "unit_price": "80.50", "vat_rate": 10, "amount": 80.5},
            {"description": "Books", "quantity": 3, "unit_price": 12.99, "vat_rate": 5.5, "amount": 38.97},
        ],
        "total_ht": 2519.47,
        "total_vat": 490.19,
        "total_ttc": 3009.66,
    }


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def text(root: etree._Element, path: str) -> str:
    found = root.xpath(path, namespaces=NS)
    assert len(found) == 1, f"{path}: {found}"
    return found[0].text


def refusal(order: dict[str, Any]) -> OrderDataError:
    with pytest.raises(OrderDataError) as caught:
        build_order(order)
    return caught.value


# --- valid orders -----------------------------------------------------------------------------


def test_three_line_order_passes_the_order_x_xsd_and_schematron_with_zero_errors() -> None:
    xml = build_order(three_line_order())
    assert validate_order(xml) == []
    assert schematron_errors(xml) == []


def test_factur_x_library_agrees_the_order_is_a_valid_comfort_order_x() -> None:
    xml = build_order(three_line_order())
    assert facturx.get_level(parse(xml), "order-x") == "comfort"
    assert facturx.xml_check_xsd(xml, flavor="order-x", level="comfort") is True


def test_header_states_profile_number_type_and_issue_date() -> None:
    root = parse(build_order(three_line_order()))
    assert GUIDELINE == "urn:order-x.eu:1p0:comfort"
    assert text(root, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == GUIDELINE
    assert text(root, "/rsm:*/rsm:ExchangedDocument/ram:ID") == "BC-2026-00001"
    assert text(root, "/rsm:*/rsm:ExchangedDocument/ram:TypeCode") == "220"
    issued = root.xpath("//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", namespaces=NS)[0]
    assert (issued.text, issued.get("format")) == ("20260302", "102")


def test_totals_in_the_xml_equal_the_inputs() -> None:
    order = three_line_order()
    root = parse(build_order(order))
    assert Decimal(text(root, f"{SUMMATION}/ram:LineTotalAmount")) == Decimal(str(order["total_ht"]))
    assert Decimal(text(root, f"{SUMMATION}/ram:TaxBasisTotalAmount")) == Decimal(str(order["total_ht"]))
    assert Decimal(text(root, f"{SUMMATION}/ram:TaxTotalAmount")) == Decimal(str(order["total_vat"]))
    assert Decimal(text(root, f"{SUMMATION}/ram:GrandTotalAmount")) == Decimal(str(order["total_ttc"]))
    assert root.xpath(f"{SUMMATION}/ram:TaxTotalAmount/@currencyID", namespaces=NS) == ["EUR"]
    assert text(root, "//ram:ApplicableHeaderTradeSettlement/ram:OrderCurrencyCode") == "EUR"
    written = [Decimal(e.text) for e in root.xpath("//ram:LineTotalAmount", namespaces=NS)[:3]]
    assert written == [Decimal(str(line["amount"])) for line in order["lines"]]


def test_lines_carry_number_name_price_quantity_and_vat_rate() -> None:
    root = parse(build_order(three_line_order()))
    rows = [
        (
            text(item, "ram:AssociatedDocumentLineDocument/ram:LineID"),
            text(item, "ram:SpecifiedTradeProduct/ram:Name"),
            text(item, "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount"),
            text(item, "ram:SpecifiedLineTradeDelivery/ram:RequestedQuantity"),
            item.xpath("ram:SpecifiedLineTradeDelivery/ram:RequestedQuantity/@unitCode", namespaces=NS)[0],
            text(item, "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode"),
            text(item, "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent"),
            text(item, "ram:SpecifiedLineTradeSettlement/*/ram:LineTotalAmount"),
        )
        for item in root.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NS)
    ]
    assert rows == [
        ("1", "Laptop", "1200.00", "2", "C62", "S", "20", "2400.00"),
        ("2", "Transport", "80.50", "1", "C62", "S", "10", "80.50"),
        ("3", "Books", "12.99", "3", "C62", "S", "5.5", "38.97"),
    ]


def test_parties_carry_name_siren_with_scheme_0002_email_and_buyer_reference() -> None:
    root = parse(build_order(three_line_order()))
    seller = "//ram:SellerTradeParty"
    assert text(root, f"{seller}/ram:Name") == "ACME Fournitures"
    assert text(root, f"{seller}/ram:SpecifiedLegalOrganization/ram:ID") == "552100554"
    assert root.xpath(f"{seller}/ram:SpecifiedLegalOrganization/ram:ID/@schemeID", namespaces=NS) == ["0002"]
    assert text(root, f"{seller}/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:URIID") == (
        "orders@acme.example"
    )
    assert text(root, "//ram:BuyerTradeParty/ram:Name") == "Parapheur Demo SAS"
    assert text(root, "//ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CityName") == "Paris"
    assert text(root, "//ram:ApplicableHeaderTradeAgreement/ram:BuyerReference") == "DA-2026-00042"


def test_needed_by_becomes_the_requested_delivery_date() -> None:
    root = parse(build_order(three_line_order()))
    event = "//ram:ApplicableHeaderTradeDelivery/ram:RequestedDeliverySupplyChainEvent/ram:OccurrenceDateTime"
    assert text(root, f"{event}/udt:DateTimeString") == "20260401"


def test_order_of_200_lines_is_valid_and_numbers_them_in_order() -> None:
    order = three_line_order()
    order["lines"] = [
        {"description": f"Item {i}", "quantity": i, "unit_price": 1.5, "vat_rate": (20, 10, 5.5, 0)[i % 4]}
        for i in range(1, 201)
    ]
    for key in ("total_ht", "total_vat", "total_ttc"):
        del order[key]
    xml = build_order(order)
    assert validate_order(xml) == []
    assert schematron_errors(xml) == []
    root = parse(xml)
    assert root.xpath("//ram:LineID/text()", namespaces=NS) == [str(i) for i in range(1, 201)]
    assert Decimal(text(root, f"{SUMMATION}/ram:LineTotalAmount")) == Decimal("30150.00")  # 1.5 × 20100


@pytest.mark.parametrize(
    "description",
    [
        "Câble <RJ45> & adaptateur",
        "Écran 27\" '4K'",
        "]]> </ram:Name><ram:Injected/>",
        "&amp; already escaped &lt;",
        "Clé USB 🔑 – 64 Go\tlot de 3\nréf. Ø 5",
    ],
)
def test_xml_special_characters_in_descriptions_round_trip(description: str) -> None:
    order = three_line_order()
    order["lines"][0]["description"] = description
    order["seller"]["name"] = f"Dupont & Fils <{description[:5]}>"
    xml = build_order(order)
    assert validate_order(xml) == []
    root = parse(xml)
    assert root.xpath("//ram:SpecifiedTradeProduct/ram:Name/text()", namespaces=NS)[0] == description
    assert text(root, "//ram:SellerTradeParty/ram:Name") == f"Dupont & Fils <{description[:5]}>"
    assert root.xpath("//ram:Injected", namespaces=NS) == []


def test_order_without_needed_by_emails_sirens_or_reference_is_valid_and_omits_them() -> None:
    order = three_line_order()
    order["needed_by"] = None
    del order["buyer_reference"]
    order["seller"] = {"name": "Foreign Supplier GmbH", "address": {"country": "de"}}
    order["buyer"] = {"name": "Parapheur Demo SAS", "siren": "732829320"}
    xml = build_order(order)
    assert validate_order(xml) == []
    assert schematron_errors(xml) == []
    root = parse(xml)
    for absent in (
        "//ram:RequestedDeliverySupplyChainEvent",
        "//ram:DefinedTradeContact",
        "//ram:BuyerReference",
        "//ram:SellerTradeParty/ram:SpecifiedLegalOrganization",
    ):
        assert root.xpath(absent, namespaces=NS) == [], absent
    assert text(root, "//ram:SellerTradeParty/ram:PostalTradeAddress/ram:CountryID") == "DE"
    assert text(root, "//ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CountryID") == "FR"


def test_amounts_may_be_int_float_str_or_decimal_and_totals_may_be_omitted() -> None:
    order = three_line_order()
    order["lines"][0].update(quantity="2", unit_price=Decimal("1200"), amount=2400)
    order["lines"][1].update(quantity=1.0, unit_price=80.5, amount="80.50")
    order["total_ht"], order["total_vat"] = Decimal("2519.47"), "490.19"
    del order["total_ttc"]
    assert build_order(order) == build_order(three_line_order())


def test_quantities_keep_up_to_4_decimals_and_prices_are_never_rounded_away() -> None:
    order = three_line_order()
    order["lines"] = [{"description": "Cable (m)", "quantity": 12.3456, "unit_price": 0.125, "vat_rate": 20}]
    for key in ("total_ht", "total_vat", "total_ttc"):
        del order[key]
    root = parse(build_order(order))
    assert text(root, "//ram:RequestedQuantity") == "12.3456"
    assert text(root, "//ram:NetPriceProductTradePrice/ram:ChargeAmount") == "0.125"
    assert text(root, "//ram:IncludedSupplyChainTradeLineItem//ram:LineTotalAmount") == "1.54"  # 1.5432 half-up


def test_read_order_gives_the_vat_breakdown_by_rate() -> None:
    order = read_order(three_line_order())
    assert [(row.rate, row.base, row.vat) for row in order.vat_breakdown] == [
        (Decimal("5.5"), Decimal("38.97"), Decimal("2.14")),
        (Decimal("10"), Decimal("80.50"), Decimal("8.05")),
        (Decimal("20"), Decimal("2400.00"), Decimal("480.00")),
    ]
    assert (order.total_ht, order.total_vat, order.total_ttc) == (
        Decimal("2519.47"),
        Decimal("490.19"),
        Decimal("3009.66"),
    )


# --- refused data -----------------------------------------------------------------------------


def test_empty_seller_name_is_refused_with_a_value_error_naming_the_field() -> None:
    order = three_line_order()
    order["seller"]["name"] = "   "
    with pytest.raises(ValueError, match="/seller/name: is required"):
        build_order(order)


def test_refusal_is_permanent_so_the_job_fails_at_once_instead_of_retrying() -> None:
    order = three_line_order()
    del order["number"]
    error = refusal(order)
    assert isinstance(error, PermanentJobError)
    assert error.retryable is False


def test_every_problem_is_reported_at_once_with_its_pointer() -> None:
    order = three_line_order()
    order["issue_date"] = "02/03/2026"
    order["buyer"]["siren"] = "12345"
    order["lines"][1]["quantity"] = 0
    order["lines"][2]["vat_rate"] = "twenty"
    order["lines"].append("not a line")
    problems = refusal(order).problems
    pointers = [problem.split(":")[0] for problem in problems]
    for expected in ("/issue_date", "/buyer/siren", "/lines/1/quantity", "/lines/2/vat_rate", "/lines/3"):
        assert expected in pointers, problems


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (lambda o: o["lines"][0].update(amount=2400.01), "/lines/0/amount"),
        (lambda o: o.update(total_ht=2519.48), "/total_ht"),
        (lambda o: o.update(total_vat=490.20), "/total_vat"),
        (lambda o: o.update(total_ttc=3000), "/total_ttc"),
    ],
)
def test_amount_or_total_that_its_lines_do_not_add_up_to_is_refused(change, pointer: str) -> None:
    order = three_line_order()
    change(order)
    problems = refusal(order).problems
    assert [problem.split(":")[0] for problem in problems] == [pointer]
    assert "recompute the document" in problems[0]


@pytest.mark.parametrize(
    ("line", "pointer", "message"),
    [
        ({"quantity": 1.23456}, "/lines/0/quantity", "at most 4 decimals"),
        ({"quantity": -1}, "/lines/0/quantity", "more than 0"),
        ({"unit_price": -5}, "/lines/0/unit_price", "0 or more"),
        ({"unit_price": "NaN"}, "/lines/0/unit_price", "finite number"),
        ({"vat_rate": 120}, "/lines/0/vat_rate", "percentage"),
        ({"quantity": True}, "/lines/0/quantity", "expected a number"),
        ({"description": "bell \x07"}, "/lines/0/description", "control character"),
    ],
)
def test_line_value_an_order_cannot_carry_is_refused(line: dict[str, Any], pointer: str, message: str) -> None:
    order = three_line_order()
    order["lines"] = [{"description": "Laptop", "quantity": 1, "unit_price": 10, "vat_rate": 20, **line}]
    for key in ("total_ht", "total_vat", "total_ttc"):
        del order[key]
    problems = refusal(order).problems
    assert any(problem.startswith(f"{pointer}:") and message in problem for problem in problems), problems


def test_order_without_lines_or_not_a_dict_is_refused() -> None:
    order = three_line_order()
    order["lines"] = []
    assert refusal(order).problems[0].startswith("/lines:")
    with pytest.raises(OrderDataError, match="expected a dict"):
        build_order(["not", "an", "order"])  # type: ignore[arg-type]


# --- validation of untrusted XML --------------------------------------------------------------


def test_doctype_with_an_external_entity_is_reported_not_expanded(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    xml = (
        build_order(three_line_order())
        .replace(
            b"<rsm:SCRDMCCBDACIOMessageStructure",
            f'<!DOCTYPE rsm:SCRDMCCBDACIOMessageStructure [<!ENTITY leak SYSTEM "file://{secret}">]>\n'
            "<rsm:SCRDMCCBDACIOMessageStructure".encode(),
            1,
        )
        .replace(b"<ram:Name>Laptop</ram:Name>", b"<ram:Name>&leak;</ram:Name>")
    )
    for errors in (validate_order(xml), schematron_errors(xml)):
        assert len(errors) == 1 and "DOCTYPE" in errors[0], errors
        assert "TOP-SECRET-VALUE" not in errors[0]


def test_billion_laughs_is_refused_without_expansion() -> None:
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "&a{i - 1};&a{i - 1};&a{i - 1};">' for i in range(1, 12))
    xml = f'<?xml version="1.0"?><!DOCTYPE r [{entities}]><r>&a11;</r>'.encode()
    errors = validate_order(xml)
    assert len(errors) == 1 and ("DOCTYPE" in errors[0] or "not well-formed" in errors[0]), errors


def test_xsd_reports_a_missing_required_element_with_readable_names() -> None:
    root = parse(build_order(three_line_order()))
    seller = root.xpath("//ram:SellerTradeParty", namespaces=NS)[0]
    seller.getparent().remove(seller)
    errors = validate_order(etree.tostring(root))
    assert errors and "ram:BuyerTradeParty" in errors[0] and "ram:SellerTradeParty" in errors[0], errors


def test_schematron_reports_a_buyer_without_postal_address() -> None:
    root = parse(build_order(three_line_order()))
    address = root.xpath("//ram:BuyerTradeParty/ram:PostalTradeAddress", namespaces=NS)[0]
    address.getparent().remove(address)
    xml = etree.tostring(root)
    assert validate_order(xml) == []
    errors = schematron_errors(xml)
    assert len(errors) == 1 and "BuyerTradeParty" in errors[0] and "PostalTradeAddress" in errors[0], errors


def test_basic_profile_document_is_checked_against_the_basic_xsd() -> None:
    xml = build_order(three_line_order()).replace(b":comfort<", b":basic<")
    errors = validate_order(xml)
    assert errors and all("ram:ApplicableTradeTax" in error for error in errors), errors


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (b"<rsm:broken", "not well-formed XML"),
        (b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>", "not an Order-X document"),
    ],
)
def test_not_an_order_is_reported_not_raised(xml: bytes, expected: str) -> None:
    for errors in (validate_order(xml), schematron_errors(xml)):
        assert len(errors) == 1 and expected in errors[0], errors


def test_building_does_not_change_the_input() -> None:
    order = three_line_order()
    before = copy.deepcopy(order)
    build_order(order)
    assert order == before

"""The received invoice as `supplier_invoice` data: the agreed key names, JSON numbers, valid
against the schema the integrator will give the type (supplier_invoice_data.schema.json)."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from lxml import etree

from jobs.reception import Received, receive
from tests.jobs.reception.material import CII_EXAMPLES, FACTURX_PDFS, UBL_EXAMPLES, listing, needs_material

SCHEMA = json.loads((Path(__file__).parent / "supplier_invoice_data.schema.json").read_text())
TOP_KEYS = {
    "seller", "buyer", "invoice_type", "invoice_number", "invoice_date", "due_date", "currency",
    "purchase_order_number", "lines", "allowances_charges", "total_ht", "total_vat", "total_ttc",
    "amount_due", "payment_means",
}  # fmt: skip
LINE_KEYS = {"description", "quantity", "unit_code", "unit_price", "vat_category", "vat_rate", "amount"}
PARTY_KEYS = {"name", "siren", "vat_number", "electronic_address"}


def test_proposed_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)


@needs_material
@pytest.mark.parametrize(
    "path",
    listing(UBL_EXAMPLES, "*.[xX][mM][lL]") + listing(CII_EXAMPLES, "*.xml") + listing(FACTURX_PDFS, "*.pdf"),
    ids=lambda p: p.name,
)
def test_received_data_uses_the_agreed_keys_and_fits_the_schema(path: Path) -> None:
    outcome = receive(path.read_bytes())
    if not isinstance(outcome, Received):
        pytest.skip(f"{path.name} is not received ({outcome.message})")

    data = outcome.data

    assert set(data) <= TOP_KEYS and {"invoice_number", "lines", "total_ttc"} <= set(data)
    assert all(set(line) <= LINE_KEYS for line in data["lines"])
    assert set(data["seller"]) <= PARTY_KEYS and set(data.get("buyer", {})) <= PARTY_KEYS
    assert list(Draft202012Validator(SCHEMA).iter_errors(data)) == []
    assert json.loads(json.dumps(data)) == data


@needs_material
def test_line_values_are_read_from_the_file_with_unit_price_per_base_quantity() -> None:
    path = UBL_EXAMPLES / "sample-discount-price.xml"
    root = etree.parse(str(path)).getroot()
    ns = {"cac": root.nsmap["cac"], "cbc": root.nsmap["cbc"]}

    outcome = receive(path.read_bytes())

    assert isinstance(outcome, Received)
    for line, element in zip(outcome.data["lines"], root.iterfind("cac:InvoiceLine", ns), strict=True):
        price = Decimal(element.findtext("cac:Price/cbc:PriceAmount", namespaces=ns))
        base = Decimal(element.findtext("cac:Price/cbc:BaseQuantity", default="1", namespaces=ns))
        quantity = element.find("cbc:InvoicedQuantity", ns)
        assert Decimal(str(line["unit_price"])) == Decimal(str(float(price / base)))
        assert Decimal(str(line["quantity"])) == Decimal(quantity.text)
        assert line["unit_code"] == quantity.get("unitCode")
        assert Decimal(str(line["amount"])) == Decimal(element.findtext("cbc:LineExtensionAmount", namespaces=ns))
        percent = element.findtext("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", namespaces=ns)
        assert Decimal(str(line["vat_rate"])) == Decimal(percent)


@needs_material
def test_parties_are_read_with_siren_vat_number_and_electronic_address() -> None:
    path = CII_EXAMPLES / "CII_example2.xml"
    root = etree.parse(str(path)).getroot()
    seller = root.find(".//{*}SellerTradeParty")
    vat = seller.find("{*}SpecifiedTaxRegistration/{*}ID[@schemeID='VA']")

    outcome = receive(path.read_bytes())

    assert isinstance(outcome, Received)
    assert outcome.data["seller"]["name"] == seller.findtext("{*}Name")
    assert outcome.data["seller"].get("vat_number") == (vat.text if vat is not None else None)

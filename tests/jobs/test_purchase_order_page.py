"""The printable purchase order page, and the `purchase_order` template it belongs to."""

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from lxml import html

from form_engine.computed import compute
from form_engine.fields import field_names
from form_engine.ui_schema import check_ui_schema
from form_engine.validation import validate
from jobs.orderx import OrderDataError, build_order, validate_order
from jobs.purchase_order_page import money, render_purchase_order
from rules.actors import Actor, Grant
from rules.checker import check_workflow
from rules.decisions import Accepted, decide
from rules.definitions import parse_workflow
from rules.errors import Reason, Refused

TEMPLATE = Path(__file__).resolve().parents[2] / "ui-schemas" / "purchase_order"
NBSP = "\u00a0"


def order() -> dict[str, Any]:
    return {
        "number": "BC-2026-00007",
        "issue_date": datetime.date(2026, 3, 2),
        "buyer": {
            "name": "Parapheur Demo SAS",
            "siren": "732829320",
            "address": {"street": "1 rue de la Paix", "city": "Paris", "postal_code": "75002"},
        },
        "seller": {"name": "ACME Fournitures", "siren": "552100554", "email": "orders@acme.example"},
        "buyer_reference": "DA-2026-00042",
        "needed_by": "2026-04-01",
        "lines": [
            {"description": "Laptop", "quantity": 2, "unit_price": 1200.0, "vat_rate": 20, "amount": 2400.0},
            {"description": "Transport", "quantity": 1, "unit_price": 80.5, "vat_rate": 10, "amount": 80.5},
            {"description": "Books", "quantity": 3, "unit_price": 12.99, "vat_rate": 5.5, "amount": 38.97},
        ],
        "total_ht": 2519.47,
        "total_vat": 490.19,
        "total_ttc": 3009.66,
    }


def page(data: dict[str, Any] | None = None) -> html.HtmlElement:
    return html.document_fromstring(render_purchase_order(data or order()))


def cells(row: html.HtmlElement) -> list[str]:
    """The texts of a table row, no-break spaces read as spaces."""
    return [cell.text_content().replace(NBSP, " ") for cell in row.xpath("th|td")]


# --- the page ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1234.5", "1 234,50 €"),
        ("0", "0,00 €"),
        ("999.999", "1 000,00 €"),
        ("1234567.89", "1 234 567,89 €"),
        ("0.005", "0,01 €"),
    ],
)
def test_amounts_are_written_french_style_with_no_break_spaces(amount: str, expected: str) -> None:
    assert money(Decimal(amount)) == expected.replace(" ", NBSP)


def test_page_escapes_script_and_markup_in_every_text() -> None:
    data = order()
    data["lines"][0]["description"] = "<script>alert('x')</script> & <b>bold</b>"
    data["seller"]["name"] = '"><img src=x onerror=alert(1)>'
    data["seller"]["email"] = 'x@y.example"><script>alert(2)</script>'
    data["buyer_reference"] = "</title><script>alert(3)</script>"
    text = render_purchase_order(data)
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in text
    document = html.document_fromstring(text)
    assert document.xpath("//tbody/tr[1]/th")[0].text_content() == data["lines"][0]["description"]
    assert document.xpath("//img|//script|//b") == []


def test_page_contains_every_line_and_the_totals() -> None:
    document = page()
    rows = [cells(row) for row in document.xpath("//table[1]/tbody/tr")]
    assert rows == [
        ["1", "Laptop", "2", "1 200,00 €", "20 %", "2 400,00 €"],
        ["2", "Transport", "1", "80,50 €", "10 %", "80,50 €"],
        ["3", "Books", "3", "12,99 €", "5,5 %", "38,97 €"],
    ]
    totals = [cells(row) for row in document.xpath("//table[1]/tfoot/tr")]
    assert totals == [
        ["Total HT", "2 519,47 €"],
        ["Total TVA", "490,19 €"],
        ["Total TTC", "3 009,66 €"],
    ]


def test_page_lists_the_vat_per_rate() -> None:
    rows = [cells(row) for row in page().xpath("//table[2]/tbody/tr")]
    assert rows == [["5,5 %", "38,97 €", "2,14 €"], ["10 %", "80,50 €", "8,05 €"], ["20 %", "2 400,00 €", "480,00 €"]]


def test_page_shows_number_dates_reference_and_both_parties() -> None:
    document = page()
    text = document.text_content().replace(NBSP, " ")
    assert document.findtext(".//title") == "Bon de commande BC-2026-00007"
    assert document.xpath("//h1")[0].text_content() == "Bon de commande BC-2026-00007"
    for expected in ("02/03/2026", "01/04/2026", "DA-2026-00042", "ACME Fournitures", "SIREN 552100554"):
        assert expected in text
    assert "75002 Paris" in text
    assert document.xpath("//a/@href") == ["mailto:orders@acme.example"]


def test_page_without_optional_fields_omits_them() -> None:
    data = order()
    data["needed_by"] = None
    del data["buyer_reference"]
    del data["seller"]["email"]
    text = page(data).text_content()
    assert "Livraison" not in text and "Demande d'achat" not in text and "mailto" not in render_purchase_order(data)


def test_page_is_accessible_printable_html5_in_french() -> None:
    text = render_purchase_order(order())
    assert text.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert '<meta charset="utf-8">' in text and "@media print" in text
    document = html.document_fromstring(text)
    tables = document.xpath("//table")
    assert len(tables) == 2 and all(table.xpath("caption") for table in tables)
    assert all(th.get("scope") in ("col", "row") for th in document.xpath("//th"))
    assert document.xpath("//thead/tr/th/@scope") == ["col"] * 9
    assert len(document.xpath("//tbody/tr/th[@scope='row']")) == 3 + 3


def test_page_is_self_contained() -> None:
    text = render_purchase_order(order())
    document = html.document_fromstring(text)
    assert document.xpath("//script|//link|//img|//iframe|//*[@src]") == []
    assert "http://" not in text and "https://" not in text and "url(" not in text


def test_page_refuses_the_data_the_order_x_refuses() -> None:
    data = order()
    data["seller"]["name"] = ""
    with pytest.raises(OrderDataError, match="/seller/name"):
        render_purchase_order(data)


def test_page_of_200_lines_has_200_rows() -> None:
    data = order()
    data["lines"] = [{"description": f"Item {i}", "quantity": 1, "unit_price": 1, "vat_rate": 20} for i in range(200)]
    for key in ("total_ht", "total_vat", "total_ttc"):
        del data[key]
    assert len(page(data).xpath("//table[1]/tbody/tr")) == 200


# --- the purchase_order template --------------------------------------------------------------


def template(name: str) -> Any:
    return json.loads((TEMPLATE / name).read_text(encoding="utf-8"))


def test_template_type_names_the_purchase_order_and_its_supplier_partner() -> None:
    assert template("type.json") == {
        "key": "purchase_order",
        "name": "Purchase order",
        "category": "purchasing",
        "number_prefix": "BC",
        "permissions": {"create": ["admin"], "partner_field": "supplier"},
        "catalogs": {"suppliers": "Suppliers"},
    }


def test_template_schema_is_draft_2020_12_with_the_request_line_fields() -> None:
    schema = template("schema.json")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert field_names(schema) == [
        "title", "supplier", "request_number", "needed_by", "lines", "total_ht", "total_vat", "total_ttc"
    ]  # fmt: skip
    assert schema["properties"]["supplier"]["x-catalog"] == "suppliers"
    request = json.loads((TEMPLATE.parent / "purchase_request" / "schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["lines"]["items"] == request["properties"]["lines"]["items"]
    for total in ("total_ht", "total_vat", "total_ttc"):
        assert schema["properties"][total] == request["properties"][total]


def test_template_ui_schema_passes_the_check() -> None:
    assert check_ui_schema(template("schema.json"), template("ui.json")) == []


def test_template_workflow_passes_the_publish_check_with_zero_problems() -> None:
    assert check_workflow(template("workflow.json"), field_names(template("schema.json"))) == []


def test_computed_purchase_order_data_is_valid_and_builds_a_valid_order_x() -> None:
    schema = template("schema.json")
    data = compute(
        schema,
        {
            "title": "Laptops",
            "supplier": "ACME",
            "request_number": "DA-2026-00042",
            "needed_by": "2026-04-01",
            "lines": [
                {"description": "Laptop", "quantity": 3, "unit_price": 999.99, "vat_rate": 20},
                {"description": "Books", "quantity": 7, "unit_price": 12.99, "vat_rate": 5.5},
                {"description": "Transport", "quantity": 1, "unit_price": 80.55, "vat_rate": 10},
            ],
        },
    )
    assert validate(schema, data) == []
    xml = build_order(
        {
            **data,
            "number": "BC-2026-00001",
            "issue_date": "2026-03-02",
            "buyer_reference": data["request_number"],
            "buyer": {"name": "Parapheur Demo SAS", "siren": "732829320"},
            "seller": {"name": "ACME Fournitures"},
        }
    )
    assert validate_order(xml) == []


WORKFLOW_CREATOR = 1
ACCOUNTANT = Actor(2, (Grant("accounting"),))
REQUESTER = Actor(3, (Grant("requester"),))
ADMIN = Actor(4, (Grant("admin"),))


def act(state: str, actor: Actor, action: str, comment: str | None = None) -> Accepted | Refused:
    workflow = parse_workflow(template("workflow.json"))
    return decide(
        workflow, state=state, data={}, actor=actor, creator_id=WORKFLOW_CREATOR, action=action, comment=comment
    )


def test_accounting_records_acknowledgement_then_receipt() -> None:
    assert parse_workflow(template("workflow.json")).initial == "issued"
    acknowledged = act("issued", ACCOUNTANT, "acknowledge")
    assert isinstance(acknowledged, Accepted) and acknowledged.state == "acknowledged"
    received = act("acknowledged", ACCOUNTANT, "receive")
    assert isinstance(received, Accepted) and received.state == "received"
    assert parse_workflow(template("workflow.json")).states["received"].final


def test_only_accounting_acknowledges_an_order() -> None:
    refused = act("issued", REQUESTER, "acknowledge")
    assert isinstance(refused, Refused) and refused.reason == Reason.NOT_PERMITTED


@pytest.mark.parametrize("state", ["issued", "acknowledged"])
@pytest.mark.parametrize("actor", [ACCOUNTANT, ADMIN])
def test_cancelling_an_open_order_needs_a_comment(state: str, actor: Actor) -> None:
    refused = act(state, actor, "cancel")
    assert isinstance(refused, Refused) and refused.reason == Reason.COMMENT_REQUIRED
    cancelled = act(state, actor, "cancel", comment="Supplier out of stock")
    assert isinstance(cancelled, Accepted) and cancelled.state == "cancelled"


def test_a_received_order_cannot_be_cancelled() -> None:
    refused = act("received", ACCOUNTANT, "cancel", comment="too late")
    assert isinstance(refused, Refused)

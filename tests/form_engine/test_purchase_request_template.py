"""The shipped purchase-request accelerator: its schema, UI schema and computed fields agree."""

from jsonschema import Draft202012Validator

from form_engine.catalogs import catalog_references
from form_engine.computed import compute
from form_engine.fields import field_names
from form_engine.ui_schema import check_ui_schema
from form_engine.validation import validate


def test_template_schema_is_a_valid_draft_2020_12_schema(schema: dict) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_template_ui_schema_passes_the_check(schema: dict, ui: dict) -> None:
    assert check_ui_schema(schema, ui) == []


def test_template_ui_shows_every_field(schema: dict, ui: dict) -> None:
    scopes: list[str] = []

    def collect(element: dict) -> None:
        if "scope" in element:
            scopes.append(element["scope"].rsplit("/", 1)[-1])
        for child in element.get("elements", []):
            collect(child)
        collect_detail = element.get("options", {}).get("detail")
        if collect_detail:
            collect(collect_detail)

    collect(ui)
    line_fields = list(schema["properties"]["lines"]["items"]["properties"])
    assert sorted(scopes) == sorted(field_names(schema) + line_fields)


def test_template_line_fields_are_exactly_the_documented_ones(schema: dict) -> None:
    items = schema["properties"]["lines"]["items"]
    assert list(items["properties"]) == ["description", "quantity", "unit_price", "vat_rate", "amount"]
    assert items["required"] == ["description", "quantity", "unit_price", "vat_rate"]


def test_computed_request_is_valid_and_names_its_catalog_entries(schema: dict, request_data: dict) -> None:
    computed = compute(schema, request_data)
    assert validate(schema, computed) == []
    assert [(ref.catalog, ref.code) for ref in catalog_references(schema, computed)] == [
        ("departments", "IT"),
        ("suppliers", "ACME"),
        ("analytic_codes", "AN-42"),
    ]

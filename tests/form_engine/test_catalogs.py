from typing import Any

from form_engine.catalogs import Reference, catalog_references, unknown_references
from form_engine.errors import FieldError

ACTIVE = {"departments": {"IT", "HR"}, "suppliers": ["ACME"], "analytic_codes": ("AN-42",)}


def with_line_catalog(schema: dict[str, Any]) -> dict[str, Any]:
    items = schema["properties"]["lines"]["items"]
    items["properties"]["product"] = {"type": "string", "x-catalog": "products"}
    return schema


def test_references_are_found_in_the_header_and_in_lines(schema: dict, request_data: dict) -> None:
    request_data["lines"][1]["product"] = "BOOK-1"
    assert catalog_references(with_line_catalog(schema), request_data) == [
        Reference("/department", "departments", "IT"),
        Reference("/supplier", "suppliers", "ACME"),
        Reference("/analytic_code", "analytic_codes", "AN-42"),
        Reference("/lines/1/product", "products", "BOOK-1"),
    ]


def test_absent_and_non_string_values_are_not_references(schema: dict) -> None:
    data = {"department": 12, "lines": [{"product": None}, "oops", {"product": ["X"]}]}
    assert catalog_references(with_line_catalog(schema), data) == []


def test_data_that_is_not_an_object_has_no_references(schema: dict) -> None:
    assert catalog_references(schema, ["IT"]) == []


def test_array_of_codes_gives_one_reference_per_code() -> None:
    schema = {"properties": {"tags": {"type": "array", "items": {"x-catalog": "tags"}}}}
    assert catalog_references(schema, {"tags": ["a", "b"]}) == [
        Reference("/tags/0", "tags", "a"),
        Reference("/tags/1", "tags", "b"),
    ]


def test_active_references_raise_no_error(schema: dict, request_data: dict) -> None:
    assert unknown_references(catalog_references(schema, request_data), ACTIVE) == []


def test_inactive_code_is_reported_at_its_path_naming_code_and_catalog(
    schema: dict, request_data: dict
) -> None:
    request_data["supplier"] = "FOO"
    refs = catalog_references(schema, request_data)
    assert unknown_references(refs, ACTIVE) == [
        FieldError("/supplier", "'FOO' is not an active entry of catalog 'suppliers'")
    ]


def test_code_of_a_catalog_with_no_active_entries_is_reported() -> None:
    refs = [Reference("/lines/0/product", "products", "BOOK-1")]
    assert unknown_references(refs, ACTIVE) == [
        FieldError("/lines/0/product", "'BOOK-1' is not an active entry of catalog 'products'")
    ]

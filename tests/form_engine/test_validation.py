import copy
from typing import Any

import pytest

from form_engine.errors import FieldError, FormError
from form_engine.validation import validate, validator_for


def messages(schema: dict[str, Any], data: Any) -> list[tuple[str, str]]:
    return [(error.path, error.message) for error in validate(schema, data)]


def test_valid_request_has_no_errors(schema: dict, request_data: dict) -> None:
    assert validate(schema, request_data) == []


def test_every_error_is_reported_at_once_with_its_pointer(schema: dict) -> None:
    data = {
        "department": 12,
        "supplier": "ACME",
        "needed_by": "2026-02-30",
        "foo": 1,
        "lines": [
            {"description": "A", "quantity": 0, "unit_price": 10, "vat_rate": 20},
            {"description": "B", "quantity": 1, "unit_price": "abc", "vat_rate": 7},
            {"description": "C", "unit_price": 1, "vat_rate": 0},
        ],
    }
    assert messages(schema, data) == [
        ("", "unexpected field 'foo'"),
        ("/department", "must be a string (got 12)"),
        ("/lines/0/quantity", "must be greater than 0 (got 0)"),
        ("/lines/1/unit_price", 'must be a number (got "abc")'),
        ("/lines/1/vat_rate", "must be one of 0, 5.5, 10, 20 (got 7)"),
        ("/lines/2/quantity", "quantity is required"),
        ("/needed_by", 'must be a date (YYYY-MM-DD) (got "2026-02-30")'),
        ("/title", "title is required"),
    ]


def test_missing_line_quantity_points_at_the_line_field(schema: dict, request_data: dict) -> None:
    del request_data["lines"][1]["quantity"]
    assert validate(schema, request_data) == [FieldError("/lines/1/quantity", "quantity is required")]


def test_every_missing_required_field_gets_its_own_error(schema: dict) -> None:
    assert messages(schema, {}) == [
        ("/department", "department is required"),
        ("/lines", "lines is required"),
        ("/supplier", "supplier is required"),
        ("/title", "title is required"),
    ]


def test_request_without_lines_must_have_at_least_one_item(schema: dict, request_data: dict) -> None:
    request_data["lines"] = []
    assert messages(schema, request_data) == [("/lines", "must have at least 1 item")]


def test_unexpected_field_in_a_line_is_reported_on_that_line(schema: dict, request_data: dict) -> None:
    request_data["lines"][0]["discount"] = 5
    assert messages(schema, request_data) == [("/lines/0", "unexpected field 'discount'")]


def test_too_long_title_reports_the_length_not_the_text(schema: dict, request_data: dict) -> None:
    request_data["title"] = "x" * 201
    assert messages(schema, request_data) == [("/title", "must have at most 200 characters (got 201)")]


@pytest.mark.parametrize("needed_by", ["2026-02-30", "31/03/2026", "2026-3-31", ""])
def test_needed_by_must_be_a_real_iso_date(schema: dict, request_data: dict, needed_by: str) -> None:
    request_data["needed_by"] = needed_by
    assert [error.path for error in validate(schema, request_data)] == ["/needed_by"]


def test_leap_day_is_a_valid_date(schema: dict, request_data: dict) -> None:
    request_data["needed_by"] = "2028-02-29"
    assert validate(schema, request_data) == []


def test_boolean_is_not_accepted_as_a_quantity(schema: dict, request_data: dict) -> None:
    request_data["lines"][0]["quantity"] = True
    assert messages(schema, request_data) == [("/lines/0/quantity", "must be a number (got true)")]


def test_errors_are_sorted_by_path_with_line_indexes_in_numeric_order(schema: dict) -> None:
    line = {"description": "x", "quantity": 1, "unit_price": 1, "vat_rate": 20}
    lines = [dict(line) for _ in range(11)]
    lines[10]["quantity"] = 0
    lines[2]["quantity"] = 0
    data = {"title": "t", "department": "IT", "supplier": "S", "lines": lines}
    assert [error.path for error in validate(schema, data)] == [
        "/lines/2/quantity",
        "/lines/10/quantity",
    ]


@pytest.mark.parametrize(("data", "shown"), [(None, "null"), ([], "a list"), ("text", '"text"'), (3.0, "3")])
def test_data_that_is_not_an_object_is_reported_not_raised(schema: dict, data: Any, shown: str) -> None:
    assert messages(schema, data) == [("", f"must be an object (got {shown})")]


def test_alternative_types_are_all_named() -> None:
    schema = {"properties": {"x": {"anyOf": [{"type": "number"}, {"type": "null"}]}}}
    assert messages(schema, {"x": "a"}) == [("/x", 'must be a number or null (got "a")')]


def test_dependent_required_field_points_at_the_missing_field() -> None:
    schema = {"dependentRequired": {"iban": ["bic"]}}
    assert messages(schema, {"iban": "FR76"}) == [("/bic", "bic is required when iban is given")]


def test_invalid_schema_raises_form_error_naming_the_place() -> None:
    with pytest.raises(FormError, match=r"at /properties/x/minimum"):
        validate({"properties": {"x": {"minimum": "zero"}}}, {})


def test_validator_is_built_once_per_schema_content(schema: dict) -> None:
    assert validator_for(schema) is validator_for(copy.deepcopy(schema))
    schema["properties"]["title"]["maxLength"] = 10
    assert validator_for(schema).schema["properties"]["title"]["maxLength"] == 10

from typing import Any

from form_engine.errors import FieldError
from form_engine.ui_schema import check_ui_schema, default_ui_schema


def control(scope: str, **extra: Any) -> dict[str, Any]:
    return {"type": "Control", "scope": scope, **extra}


def layout(*elements: Any, kind: str = "VerticalLayout") -> dict[str, Any]:
    return {"type": kind, "elements": list(elements)}


def test_control_with_a_scope_outside_the_schema_reports_its_pointer(schema: dict) -> None:
    ui = layout(
        control("#/properties/title"),
        control("#/properties/supplier"),
        control("#/properties/suplier"),
    )
    assert check_ui_schema(schema, ui) == [
        FieldError(
            "/elements/2/scope",
            "scope '#/properties/suplier' does not resolve in the schema; use '#/properties/<field>'",
        )
    ]


def test_scope_into_line_items_resolves(schema: dict) -> None:
    ui = layout(control("#/properties/lines/items/properties/quantity"))
    assert check_ui_schema(schema, ui) == []


def test_scope_that_is_not_a_fragment_pointer_is_reported(schema: dict) -> None:
    errors = check_ui_schema(schema, layout(control("properties/title"), {"type": "Control"}))
    assert [(e.path, e.message) for e in errors] == [
        ("/elements/0/scope", "scope 'properties/title' must start with '#/', e.g. '#/properties/title'"),
        ("/elements/1/scope", "scope is required: a pointer such as '#/properties/title'"),
    ]


def test_detail_layout_scopes_are_checked_against_the_line_schema(schema: dict) -> None:
    detail = layout(control("#/properties/quantity"), control("#/properties/title"))
    ui = layout(control("#/properties/lines", options={"detail": detail}))
    assert [e.path for e in check_ui_schema(schema, ui)] == ["/elements/0/options/detail/elements/1/scope"]


def test_rule_condition_with_a_bad_scope_reports_its_pointer(schema: dict) -> None:
    rule = {"effect": "SHOW", "condition": {"scope": "#/properties/nope", "schema": {"const": 1}}}
    ui = layout(control("#/properties/justification", rule=rule))
    assert [e.path for e in check_ui_schema(schema, ui)] == ["/elements/0/rule/condition/scope"]


def test_rule_with_unknown_effect_and_invalid_condition_schema_is_reported(schema: dict) -> None:
    rule = {
        "effect": "BLINK",
        "condition": {"scope": "#/properties/title", "schema": {"minLength": "one"}},
    }
    errors = check_ui_schema(schema, layout(control("#/properties/title", rule=rule)))
    assert [e.path for e in errors] == [
        "/elements/0/rule/effect",
        "/elements/0/rule/condition/schema/minLength",
    ]
    assert "use one of DISABLE, ENABLE, HIDE, SHOW" in errors[0].message


def test_composite_rule_conditions_are_each_checked(schema: dict) -> None:
    condition = {
        "type": "AND",
        "conditions": [
            {"scope": "#/properties/title", "schema": {"const": "x"}},
            {"scope": "#/properties/ghost", "schema": {"const": "y"}},
        ],
    }
    ui = layout(control("#/properties/title", rule={"effect": "HIDE", "condition": condition}))
    assert [e.path for e in check_ui_schema(schema, ui)] == ["/elements/0/rule/condition/conditions/1/scope"]


def test_unknown_element_type_is_reported(schema: dict) -> None:
    errors = check_ui_schema(schema, layout(layout(kind="Accordion")))
    assert [(e.path, e.message) for e in errors] == [
        (
            "/elements/0/type",
            "unknown element type 'Accordion'; use one of Categorization, Category, Control, "
            "Group, HorizontalLayout, Label, VerticalLayout",
        )
    ]


def test_categorization_holds_only_categories_and_category_needs_one(schema: dict) -> None:
    ui = layout(
        layout(layout(kind="Category"), control("#/properties/title"), kind="Categorization"),
        layout(kind="Category"),
    )
    assert [e.path for e in check_ui_schema(schema, ui)] == [
        "/elements/0/elements/1/type",
        "/elements/1/type",
    ]


def test_layout_without_elements_and_label_without_text_are_reported(schema: dict) -> None:
    ui = layout({"type": "Group", "label": "x"}, {"type": "Label"})
    assert [e.path for e in check_ui_schema(schema, ui)] == ["/elements/0/elements", "/elements/1/text"]


def test_ui_schema_that_is_not_an_object_is_reported_at_the_root(schema: dict) -> None:
    assert [e.path for e in check_ui_schema(schema, ["Control"])] == [""]


def test_local_refs_are_followed_when_resolving_scopes() -> None:
    schema = {
        "$defs": {"address": {"properties": {"city": {"type": "string"}}}},
        "properties": {"address": {"$ref": "#/$defs/address"}},
    }
    ui = layout(
        control("#/properties/address/properties/city"), control("#/properties/address/properties/zip")
    )
    assert [e.path for e in check_ui_schema(schema, ui)] == ["/elements/1/scope"]


def test_ref_cycle_does_not_hang() -> None:
    schema = {"$ref": "#"}
    assert [e.path for e in check_ui_schema(schema, control("#/properties/x"))] == ["/scope"]


def test_default_ui_schema_has_one_control_per_field_and_passes_the_check(schema: dict) -> None:
    ui = default_ui_schema(schema)
    assert ui["type"] == "VerticalLayout"
    assert [element["scope"] for element in ui["elements"]][:2] == [
        "#/properties/title",
        "#/properties/department",
    ]
    assert len(ui["elements"]) == len(schema["properties"])
    assert check_ui_schema(schema, ui) == []


def test_default_ui_schema_escapes_field_names() -> None:
    schema = {"properties": {"a/b": {"type": "string"}}}
    ui = default_ui_schema(schema)
    assert ui["elements"][0]["scope"] == "#/properties/a~1b"
    assert check_ui_schema(schema, ui) == []

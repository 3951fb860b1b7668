import copy
from typing import Any

import pytest

from form_engine.errors import FieldError
from form_engine.screens import compile_screen, hidden_or_disabled_pointers, iter_controls, rejected_fields

LINE_FIELDS = ["description", "quantity", "unit_price", "vat_rate", "amount"]


@pytest.fixture
def three_lines(request_data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(request_data)
    data["lines"].append({"description": "Mouse", "quantity": 3, "unit_price": 15})
    return data


def _controls(screen: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {control["pointer"]: control for control in iter_controls(screen)}


def _table(screen: dict[str, Any]) -> dict[str, Any]:
    return _controls(screen)["/lines"]


def _settable(control: dict[str, Any]) -> bool:
    return control["visible"] and control["enabled"] and not control["readOnly"]


# -- the purchase request -----------------------------------------------------------------


def test_creator_in_draft_can_edit_every_field_but_the_computed_ones(schema, ui, three_lines) -> None:
    screen = compile_screen(schema, ui, data=three_lines, state="draft", state_label="Draft", editable_fields="*")

    controls = list(iter_controls(screen))
    assert screen["editable"] is True and screen["stateLabel"] == "Draft"
    assert all(_settable(c) for c in controls if not c["computed"])
    computed = {c["pointer"] for c in controls if c["computed"]}
    assert {"/total_ht", "/total_vat", "/total_ttc", "/lines/0/amount"} <= computed
    assert all(c["readOnly"] for c in controls if c["computed"])


def test_lines_table_has_one_row_per_line_with_per_row_pointers_and_ids(schema, ui, three_lines) -> None:
    table = _table(compile_screen(schema, ui, data=three_lines))

    assert [column["field"] for column in table["columns"]] == [f"/{name}" for name in LINE_FIELDS]
    assert [[cell["pointer"] for cell in row] for row in table["rows"]] == [
        [f"/lines/{index}/{name}" for name in LINE_FIELDS] for index in range(3)
    ]
    assert table["rows"][1][1]["id"] == "ctl-lines-1-quantity"
    assert table["rows"][2][1]["value"] == 3
    assert (table["minItems"], table["maxItems"]) == (1, 1000)


def test_same_document_in_service_review_is_read_only_for_everyone(schema, ui, three_lines) -> None:
    screen = compile_screen(schema, ui, data=three_lines, state="service_review", editable_fields=None)

    assert screen["editable"] is False
    assert all(control["readOnly"] for control in iter_controls(screen))


def test_viewer_who_may_not_edit_gets_a_read_only_draft(schema, ui, three_lines) -> None:
    screen = compile_screen(schema, ui, data=three_lines, state="draft", editable_fields="*", can_edit=False)

    assert screen["editable"] is False
    assert all(control["readOnly"] for control in iter_controls(screen))


def test_state_listing_justification_leaves_only_justification_editable(schema, ui, three_lines) -> None:
    screen = compile_screen(schema, ui, data=three_lines, editable_fields=["justification"])

    assert [c["pointer"] for c in iter_controls(screen) if _settable(c)] == ["/justification"]


def test_errors_land_on_their_control_or_the_nearest_enclosing_one(schema, ui, three_lines) -> None:
    errors = [
        FieldError("/lines/1/quantity", "must be greater than 0 (got 0)"),
        FieldError("/lines/7", "unexpected field 'colour'"),
        FieldError("/title", "must have at least 1 character (got 0)"),
        FieldError("", "unexpected field 'colour'"),
    ]

    screen = compile_screen(schema, ui, data=three_lines, errors=errors)
    controls = _controls(screen)

    assert controls["/lines/1/quantity"]["errors"] == ["must be greater than 0 (got 0)"]
    assert controls["/lines/0/quantity"]["errors"] == []
    assert controls["/lines"]["errors"] == ["unexpected field 'colour'"]
    assert controls["/title"]["errors"] == ["must have at least 1 character (got 0)"]
    assert screen["errors"] == [{"path": "", "message": "unexpected field 'colour'"}]


def test_schema_defaults_fill_missing_values(schema, ui, three_lines) -> None:
    table = _table(compile_screen(schema, ui, data=three_lines))

    vat_column = table["columns"][3]
    assert vat_column["default"] == 20
    assert table["rows"][2][3]["value"] == 20  # the third line has no vat_rate
    assert table["rows"][1][3]["value"] == 5.5


def test_new_document_shows_empty_values_and_an_empty_table(schema, ui) -> None:
    screen = compile_screen(schema, ui, data=None)

    controls = _controls(screen)
    assert controls["/title"]["value"] is None
    assert controls["/lines"]["rows"] == []


def test_each_field_of_the_template_gets_its_widget(schema, ui, three_lines) -> None:
    controls = _controls(compile_screen(schema, ui, data=three_lines))

    widgets = {pointer: control["widget"] for pointer, control in controls.items() if not pointer.startswith("/lines/")}
    widgets.update({name: controls[f"/lines/0/{name}"]["widget"] for name in LINE_FIELDS})
    assert widgets == {
        "/title": "text",
        "/department": "catalog",
        "/supplier": "catalog",
        "/analytic_code": "catalog",
        "/needed_by": "date",
        "/justification": "textarea",
        "/lines": "table",
        "/total_ht": "money",
        "/total_vat": "money",
        "/total_ttc": "money",
        "description": "text",
        "quantity": "number",
        "unit_price": "money",
        "vat_rate": "select",
        "amount": "money",
    }


def test_widget_options_carry_what_the_renderers_need(schema, ui, three_lines) -> None:
    controls = _controls(compile_screen(schema, ui, data=three_lines))

    assert controls["/supplier"]["options"]["catalog"] == "suppliers"
    assert [choice["value"] for choice in controls["/lines/0/vat_rate"]["options"]["enum"]] == [0, 5.5, 10, 20]
    quantity = controls["/lines/0/quantity"]["options"]
    assert (quantity["min"], quantity["exclusiveMin"]) == (0, True)
    assert controls["/lines/0/unit_price"]["options"]["step"] == 0.01
    assert controls["/title"]["options"]["maxLength"] == 200
    assert controls["/needed_by"]["options"]["format"] == "date"


def test_required_comes_from_the_enclosing_object(schema, ui, three_lines) -> None:
    controls = _controls(compile_screen(schema, ui, data=three_lines))

    assert controls["/title"]["required"] is True
    assert controls["/justification"]["required"] is False
    assert controls["/lines/0/quantity"]["required"] is True
    assert controls["/lines/0/amount"]["required"] is False


def test_without_ui_schema_every_top_level_field_gets_a_control(schema, three_lines) -> None:
    screen = compile_screen(schema, None, data=three_lines)

    assert [element["pointer"] for element in screen["root"]["elements"]] == [
        "/" + name for name in schema["properties"]
    ]
    assert [column["field"] for column in _table(screen)["columns"]] == [f"/{name}" for name in LINE_FIELDS]


# -- rejected fields ----------------------------------------------------------------------


def _with_rule(ui: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    """The template UI with `rule` on the analytic-code control."""
    ui = copy.deepcopy(ui)
    ui["elements"][0]["elements"][1]["elements"][1]["rule"] = rule
    return ui


SHOW_FOR_IT = {"effect": "SHOW", "condition": {"scope": "#/properties/department", "schema": {"const": "IT"}}}


def test_value_for_a_field_hidden_by_a_rule_is_rejected(schema, ui, request_data) -> None:
    old = {**request_data, "department": "HR"}
    old.pop("analytic_code")
    new = {**old, "analytic_code": "AN-7"}

    errors = rejected_fields(schema, _with_rule(ui, SHOW_FOR_IT), old_data=old, new_data=new)

    assert [error.path for error in errors] == ["/analytic_code"]
    assert "hidden" in errors[0].message


def test_rules_are_evaluated_on_the_submitted_data(schema, ui, request_data) -> None:
    old = {**request_data, "department": "HR"}
    old.pop("analytic_code")
    new = {**old, "department": "IT", "analytic_code": "AN-7"}  # the same submission makes it visible

    assert rejected_fields(schema, _with_rule(ui, SHOW_FOR_IT), old_data=old, new_data=new) == []


def test_value_for_a_field_disabled_by_a_rule_is_rejected(schema, ui, request_data) -> None:
    rule = {"effect": "DISABLE", "condition": {"scope": "#/properties/department", "schema": {"const": "IT"}}}
    new = {**request_data, "analytic_code": "AN-9"}

    errors = rejected_fields(schema, _with_rule(ui, rule), old_data=request_data, new_data=new)

    assert [(error.path, "disabled" in error.message) for error in errors] == [("/analytic_code", True)]


def test_changed_read_only_fields_are_rejected_and_unchanged_ones_are_not(schema, ui, request_data) -> None:
    new = copy.deepcopy(request_data)
    new["title"] = "Something else"
    new["justification"] = "Allowed"
    new["lines"][1]["quantity"] = 4

    errors = rejected_fields(schema, ui, old_data=request_data, new_data=new, editable_fields=["justification"])

    assert [error.path for error in errors] == ["/title", "/lines/1/quantity"]
    assert all("read-only" in error.message for error in errors)


def test_computed_fields_are_never_reported(schema, ui, request_data) -> None:
    new = copy.deepcopy(request_data)
    new["total_ht"] = 1.0
    new["lines"][0]["amount"] = 99.0

    assert rejected_fields(schema, ui, old_data=request_data, new_data=new, editable_fields=None) == []


def test_adding_a_row_to_a_read_only_table_is_a_change_to_the_table(schema, ui, request_data) -> None:
    new = copy.deepcopy(request_data)
    new["lines"].append({"description": "Extra", "quantity": 1, "unit_price": 1, "vat_rate": 20})

    errors = rejected_fields(schema, ui, old_data=request_data, new_data=new, editable_fields=["justification"])

    assert [error.path for error in errors] == ["/lines"]


def test_adding_and_removing_rows_is_allowed_when_the_table_is_editable(schema, ui, request_data) -> None:
    new = copy.deepcopy(request_data)
    new["lines"].append({"description": "Extra", "quantity": 1, "unit_price": 1, "vat_rate": 20})
    fewer = {**request_data, "lines": request_data["lines"][:1]}

    assert rejected_fields(schema, ui, old_data=request_data, new_data=new) == []
    assert rejected_fields(schema, ui, old_data=request_data, new_data=fewer) == []


def test_null_for_an_absent_field_and_a_default_are_no_change(schema, ui, request_data) -> None:
    old = copy.deepcopy(request_data)
    old.pop("justification")
    del old["lines"][0]["vat_rate"]
    new = copy.deepcopy(old)
    new["justification"] = None
    new["lines"][0]["vat_rate"] = 20  # the default the screen showed

    assert rejected_fields(schema, ui, old_data=old, new_data=new, editable_fields=None) == []


def test_field_missing_from_the_ui_schema_cannot_be_set(schema, ui, request_data) -> None:
    ui = copy.deepcopy(ui)
    del ui["elements"][0]["elements"][3]  # no justification control
    new = {**request_data, "justification": "sneaked in"}

    errors = rejected_fields(schema, ui, old_data=request_data, new_data=new)

    assert [(error.path, "not on this screen" in error.message) for error in errors] == [("/justification", True)]


def test_hidden_or_disabled_pointers_lists_what_the_viewer_cannot_set(schema, ui, request_data) -> None:
    screen = compile_screen(schema, _with_rule(ui, SHOW_FOR_IT), data={**request_data, "department": "HR"})

    assert hidden_or_disabled_pointers(screen) == ["/analytic_code"]


def test_hidden_or_disabled_pointers_skips_computed_fields_and_names_read_only_ones(schema, ui, request_data) -> None:
    screen = compile_screen(schema, ui, data=request_data, editable_fields=["title"])

    pointers = hidden_or_disabled_pointers(screen)
    assert "/title" not in pointers and "/justification" in pointers and "/lines/0/quantity" in pointers
    assert not {"/total_ht", "/lines/0/amount"} & set(pointers)


# -- JSON Forms semantics on small forms ----------------------------------------------------

PERSON = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "title": "Full name"},
        "married": {"type": "boolean"},
        "spouse": {"type": "string"},
        "count": {"type": "integer"},
        "personalData": {
            "type": "object",
            "required": ["age"],
            "properties": {"age": {"type": "integer"}, "birthDate": {"type": "string"}},
        },
        "comments": {
            "type": "array",
            "items": {"type": "object", "properties": {"kind": {"type": "string"}, "detail": {"type": "string"}}},
        },
    },
}


def _only(schema: dict[str, Any], elements: list[dict[str, Any]], data: Any) -> list[dict[str, Any]]:
    screen = compile_screen(schema, {"type": "VerticalLayout", "elements": elements}, data=data)
    return screen["root"]["elements"]


def _spouse(rule_condition: dict[str, Any], effect: str = "SHOW") -> dict[str, Any]:
    return {"type": "Control", "scope": "#/properties/spouse", "rule": {"effect": effect, "condition": rule_condition}}


def test_missing_value_fails_const_like_undefined_in_ajv() -> None:
    condition = {"scope": "#/properties/married", "schema": {"const": True}}

    assert _only(PERSON, [_spouse(condition)], {})[0]["visible"] is False
    assert _only(PERSON, [_spouse(condition)], {"married": True})[0]["visible"] is True


def test_missing_value_passes_a_schema_that_constrains_another_type_unless_fail_when_undefined() -> None:
    condition: dict[str, Any] = {"scope": "#/properties/count", "schema": {"minimum": 3}}

    assert _only(PERSON, [_spouse(condition)], {})[0]["visible"] is True
    assert _only(PERSON, [_spouse({**condition, "failWhenUndefined": True})], {})[0]["visible"] is False
    assert _only(PERSON, [_spouse(condition)], {"count": 2})[0]["visible"] is False


def test_leaf_condition_compares_strictly() -> None:
    condition = {"type": "LEAF", "scope": "#/properties/count", "expectedValue": 1}

    assert _only(PERSON, [_spouse(condition)], {"count": 1})[0]["visible"] is True
    assert _only(PERSON, [_spouse(condition)], {"count": True})[0]["visible"] is False


def test_and_or_conditions_combine_their_parts() -> None:
    married = {"scope": "#/properties/married", "schema": {"const": True}}
    named = {"type": "LEAF", "scope": "#/properties/name", "expectedValue": "Ann"}
    data = {"married": True, "name": "Bob"}

    assert _only(PERSON, [_spouse({"type": "AND", "conditions": [married, named]})], data)[0]["visible"] is False
    assert _only(PERSON, [_spouse({"type": "OR", "conditions": [married, named]})], data)[0]["visible"] is True


def test_hide_and_disable_effects_invert_the_condition() -> None:
    condition = {"scope": "#/properties/married", "schema": {"const": False}}

    hidden = _only(PERSON, [_spouse(condition, "HIDE")], {"married": False})[0]
    disabled = _only(PERSON, [_spouse(condition, "DISABLE")], {"married": False})[0]

    assert hidden["visible"] is False
    assert (disabled["visible"], disabled["enabled"], disabled["readOnly"]) == (True, False, True)


def test_rule_on_a_group_reaches_its_children() -> None:
    group = {
        "type": "Group",
        "label": "Spouse",
        "rule": {"effect": "HIDE", "condition": {"scope": "#/properties/married", "schema": {"const": False}}},
        "elements": [{"type": "Control", "scope": "#/properties/spouse"}],
    }

    (compiled,) = _only(PERSON, [group], {"married": False})

    assert compiled["visible"] is False and compiled["elements"][0]["visible"] is False


def test_condition_without_schema_or_type_is_reported_and_leaves_the_element_shown() -> None:
    screen = compile_screen(PERSON, {"type": "VerticalLayout", "elements": [_spouse({"scope": "#"}, "HIDE")]}, data={})

    assert screen["root"]["elements"][0]["visible"] is True
    assert [entry["path"] for entry in screen["unsupported"]] == ["/elements/0/rule"]


def test_rule_inside_a_table_detail_is_evaluated_per_row() -> None:
    comments = {
        "type": "Control",
        "scope": "#/properties/comments",
        "options": {
            "detail": {
                "type": "HorizontalLayout",
                "elements": [
                    {"type": "Control", "scope": "#/properties/kind"},
                    {
                        "type": "Control",
                        "scope": "#/properties/detail",
                        "rule": {
                            "effect": "SHOW",
                            "condition": {"scope": "#/properties/kind", "schema": {"const": "x"}},
                        },
                    },
                ],
            }
        },
    }

    (table,) = _only(PERSON, [comments], {"comments": [{"kind": "x"}, {"kind": "y"}]})

    assert [row[1]["visible"] for row in table["rows"]] == [True, False]


def test_has_rules_flags_a_rule_anywhere_in_the_ui_schema_even_in_an_empty_table(schema, ui) -> None:
    detail = {"type": "Control", "scope": "#/properties/detail",
              "rule": {"effect": "SHOW", "condition": {"scope": "#/properties/kind", "schema": {"const": "x"}}}}
    detail_rule = {"type": "Control", "scope": "#/properties/comments",
                   "options": {"detail": {"type": "VerticalLayout", "elements": [detail]}}}

    assert compile_screen(schema, ui, data=None)["hasRules"] is False
    assert compile_screen(PERSON, None, data={})["hasRules"] is False
    assert compile_screen(PERSON, {"type": "VerticalLayout", "elements": [detail_rule]}, data={})["hasRules"] is True
    assert compile_screen(PERSON, {"type": "Group", "elements": [_spouse({"scope": "#"})]}, data={})["hasRules"] is True


def test_nested_scope_becomes_a_nested_pointer_with_the_inner_required_list() -> None:
    age = {"type": "Control", "scope": "#/properties/personalData/properties/age"}

    (control,) = _only(PERSON, [age], {"personalData": {"age": 34}})

    assert (control["pointer"], control["value"], control["required"], control["id"]) == (
        "/personalData/age",
        34,
        True,
        "ctl-personalData-age",
    )


def test_object_control_becomes_a_group_of_its_properties() -> None:
    (group,) = _only(PERSON, [{"type": "Control", "scope": "#/properties/personalData"}], {})

    assert group["kind"] == "group" and group["label"] == "Personal data"
    assert [control["pointer"] for control in iter_controls({"root": group})] == [
        "/personalData/age",
        "/personalData/birthDate",
    ]


@pytest.mark.parametrize(
    ("label", "expected"),
    [("Spouse name", "Spouse name"), ({"text": "Partner"}, "Partner"), (False, None), (None, "Spouse")],
)
def test_label_comes_from_the_ui_then_the_title_then_the_property_name(label: Any, expected: str | None) -> None:
    element: dict[str, Any] = {"type": "Control", "scope": "#/properties/spouse"}
    if label is not None:
        element["label"] = label

    assert _only(PERSON, [element], {})[0]["label"] == expected


def test_schema_title_and_humanised_names_label_controls() -> None:
    controls = _only(PERSON, [{"type": "Control", "scope": "#/properties/name"}], {})

    assert controls[0]["label"] == "Full name"
    assert (
        _only(PERSON, [{"type": "Control", "scope": "#/properties/personalData/properties/birthDate"}], {})[0]["label"]
        == "Birth date"
    )


def test_ui_options_choose_the_widget_and_its_options() -> None:
    elements = [
        {"type": "Control", "scope": "#/properties/spouse", "options": {"multi": True, "placeholder": "Who?"}},
        {"type": "Control", "scope": "#/properties/personalData/properties/birthDate", "options": {"format": "date"}},
        {"type": "Control", "scope": "#/properties/name", "options": {"readonly": True}},
        {"type": "Control", "scope": "#/properties/comments", "options": {"elementLabelProp": "kind"}},
    ]

    spouse, birth, name, comments = _only(PERSON, elements, {})

    assert (spouse["widget"], spouse["options"]["placeholder"]) == ("textarea", "Who?")
    assert birth["widget"] == "date"
    assert name["readOnly"] is True
    assert comments["options"]["elementLabelProp"] == "kind"


def test_the_same_field_shown_twice_gets_two_ids_and_stays_settable() -> None:
    elements = [
        {"type": "Control", "scope": "#/properties/name"},
        {"type": "Control", "scope": "#/properties/name", "options": {"readonly": True}},
    ]
    screen = compile_screen(PERSON, {"type": "VerticalLayout", "elements": elements}, data={})

    assert [control["id"] for control in iter_controls(screen)] == ["ctl-name", "ctl-name-2"]
    assert hidden_or_disabled_pointers(screen) == []


def test_money_widget_follows_x_money() -> None:
    schema = {"type": "object", "properties": {"fee": {"type": "number", "x-money": True}}}

    assert compile_screen(schema, None, data={})["root"]["elements"][0]["widget"] == "money"


def test_keywords_beside_a_ref_still_give_the_table_its_columns() -> None:
    line = {"type": "object", "properties": {"label": {"type": "string"}, "amount": {"type": "number"}}}
    schema = {"type": "object", "$defs": {"line": line}, "properties": {"lines": {"type": "array", "items": {
        "$ref": "#/$defs/line", "required": ["label"], "properties": {"note": {"type": "string"}}}}}}
    [table] = [c for c in iter_controls(compile_screen(schema, None)) if c.get("widget") == "table"]
    columns = {column["scope"].rsplit("/", 1)[-1]: column for column in table["columns"]}
    assert set(columns) == {"label", "amount", "note"}
    assert columns["label"]["required"] is True and columns["amount"]["required"] is False


def test_a_rule_on_a_computed_total_sees_the_total_the_document_will_have() -> None:
    schema = {"type": "object", "properties": {
        "lines": {"type": "array", "items": {"type": "object", "properties": {
            "quantity": {"type": "number"}, "unit_price": {"type": "number"},
            "amount": {"type": "number", "x-computed": "quantity * unit_price"}}}},
        "total_ht": {"type": "number", "x-computed": "sum(lines, amount)"},
        "justification": {"type": "string"}}}
    ui = {"type": "VerticalLayout", "elements": [
        {"type": "Control", "scope": "#/properties/lines"},
        {"type": "Control", "scope": "#/properties/justification", "rule": {
            "effect": "SHOW", "condition": {"scope": "#/properties/total_ht", "schema": {"minimum": 5000}}}}]}
    big = {"lines": [{"quantity": 2, "unit_price": 3000}], "justification": "Two servers for the new site"}
    assert rejected_fields(schema, ui, old_data={}, new_data=big) == []
    small = {"lines": [{"quantity": 1, "unit_price": 300}], "justification": "Not needed"}
    assert [e.path for e in rejected_fields(schema, ui, old_data={}, new_data=small)] == ["/justification"]

import copy
from typing import Any

import lxml.html
import pytest

from form_engine.errors import FieldError
from form_engine.html import render_html, render_page
from form_engine.screens import compile_screen, iter_controls

FIELDS = ".//input | .//select | .//textarea"


@pytest.fixture
def screen(schema, ui, request_data) -> dict[str, Any]:
    return compile_screen(schema, ui, data=request_data, state="draft", state_label="Draft")


def _tree(markup: str) -> Any:
    return lxml.html.fragment_fromstring(markup, create_parent="div")


def _fields(tree: Any) -> list[Any]:
    return tree.xpath(FIELDS)


def test_every_input_has_a_label_bound_to_its_id(screen) -> None:
    tree = _tree(render_html(screen, action="/documents/1"))

    fields = _fields(tree)
    assert len(fields) == 9 + 2 * 5  # nine top-level fields, then 2 lines of 5 cells
    for field in fields:
        labels = tree.xpath(".//label[@for=$ident]", ident=field.get("id"))
        assert len(labels) == 1 and labels[0].text_content().strip()


def test_control_with_an_error_is_invalid_and_described_by_the_error_text(schema, ui, request_data) -> None:
    errors = [FieldError("/lines/1/quantity", "must be greater than 0 (got 0)")]
    screen = compile_screen(schema, ui, data=request_data, errors=errors)

    tree = _tree(render_html(screen, action="/save"))

    (field,) = tree.xpath(".//*[@aria-invalid]")
    assert field.get("id") == "ctl-lines-1-quantity" and field.get("aria-invalid") == "true"
    (description,) = [tree.get_element_by_id(ident) for ident in field.get("aria-describedby").split()]
    assert description.text_content() == "must be greater than 0 (got 0)"


def test_required_read_only_and_disabled_become_attributes(schema, ui, request_data) -> None:
    rule = {"effect": "DISABLE", "condition": {"scope": "#/properties/department", "schema": {"const": "IT"}}}
    ui = copy.deepcopy(ui)
    ui["elements"][0]["elements"][2]["elements"][0]["rule"] = rule  # needed_by
    screen = compile_screen(schema, ui, data=request_data, editable_fields="*")

    tree = _tree(render_html(screen, action="/save"))

    assert tree.get_element_by_id("ctl-title").get("required") is not None
    assert tree.get_element_by_id("ctl-total_ht").get("readonly") is not None
    assert tree.get_element_by_id("ctl-needed_by").get("disabled") is not None
    assert tree.get_element_by_id("ctl-justification").get("required") is None


def test_hidden_controls_are_not_rendered(schema, ui, request_data) -> None:
    rule = {"effect": "HIDE", "condition": {"scope": "#/properties/department", "schema": {"const": "IT"}}}
    ui = copy.deepcopy(ui)
    ui["elements"][0]["elements"][1]["elements"][1]["rule"] = rule  # analytic_code
    screen = compile_screen(schema, ui, data=request_data)

    markup = render_html(screen, action="/save")

    assert "ctl-analytic_code" not in markup and "Analytic code" not in markup
    assert "ctl-supplier" in markup


def test_values_and_labels_are_escaped(schema, ui, request_data) -> None:
    ui = copy.deepcopy(ui)
    ui["elements"][0]["elements"][0]["elements"][0]["label"] = "<script>alert('label')</script>"
    data = {**request_data, "justification": "</textarea><script>alert('value')</script>"}
    screen = compile_screen(schema, ui, data=data)

    for markup in (render_html(screen, action="/save?a=1&b=<2>"), render_html(screen), render_page(screen, "<b>")):
        tree = lxml.html.fromstring(markup) if markup.startswith("<!DOCTYPE") else _tree(markup)
        assert tree.xpath("//script") == []
        assert "<script>" not in markup
    tree = _tree(render_html(screen, action="/save"))
    assert tree.get_element_by_id("ctl-justification").text == data["justification"]


def test_read_only_rendering_has_no_inputs_but_shows_the_values(schema, ui, request_data) -> None:
    screen = compile_screen(schema, ui, data=request_data, editable_fields=None)

    for markup in (render_html(screen, action="/save"), render_html(screen)):
        tree = _tree(markup)
        assert _fields(tree) == [] and tree.xpath(".//form") == []
        assert "Laptops for the new developers" in tree.text_content()
        assert "1,200.50" in tree.text_content()


def test_editable_screen_with_an_action_is_a_form_posting_there(screen) -> None:
    tree = _tree(render_html(screen, action="/documents/1/save"))

    (form,) = tree.xpath(".//form")
    assert (form.get("method"), form.get("action")) == ("post", "/documents/1/save")
    assert tree.get_element_by_id("ctl-lines-0-quantity").get("name") == "/lines/0/quantity"


def test_table_has_a_caption_and_column_headers(screen) -> None:
    for markup in (render_html(screen, action="/save"), render_html(screen)):
        (table,) = _tree(markup).xpath(".//table")
        assert table.xpath("caption")[0].text_content() == "Lines"
        headers = table.xpath("thead/tr/th")
        assert [th.get("scope") for th in headers] == ["col"] * 5
        assert headers[1].text_content() == "Quantity"
        assert len(table.xpath("tbody/tr")) == 2


def test_groups_are_fieldsets_with_a_legend(screen) -> None:
    legends = [legend.text_content() for legend in _tree(render_html(screen)).xpath(".//fieldset/legend")]

    assert legends == ["Request", "Totals"]


def test_dom_order_follows_the_screen_order(screen) -> None:
    tree = _tree(render_html(screen, action="/save"))

    assert [field.get("id") for field in _fields(tree)] == [
        control["id"] for control in iter_controls(screen) if control["widget"] != "table"
    ]


def test_select_marks_the_current_choice(screen) -> None:
    select = _tree(render_html(screen, action="/save")).get_element_by_id("ctl-lines-1-vat_rate")

    assert [option.get("value") for option in select.xpath("option[@selected]")] == ["5.5"]


def test_printable_page_is_a_whole_document_without_a_form(screen) -> None:
    markup = render_page(screen, "Purchase request PR-2026-0001")

    assert markup.startswith("<!DOCTYPE html>")
    page = lxml.html.fromstring(markup)
    assert page.findtext(".//title") == "Purchase request PR-2026-0001"
    assert "@media print" in page.findtext(".//style")
    assert page.xpath("//form") == [] and page.xpath(FIELDS) == []
    assert "Draft" in page.text_content()

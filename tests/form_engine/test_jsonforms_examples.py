"""The JSON Forms example corpus (../shared/jsonforms/examples.json) as a conformance suite.

Every example must compile; rule outcomes are written out by hand below from the JSON Forms
semantics (ajv validates the scoped value, a missing value being `undefined`, which fails
`const`; LEAF compares with `===`; a hidden or disabled parent hides or disables its
children), never copied from the compiler's output.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from form_engine.errors import pointer_parts
from form_engine.html import render_html, render_page
from form_engine.screens import compile_screen

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "jsonforms" / "examples.json"
EXAMPLES: list[dict[str, Any]] = json.loads(CORPUS.read_text(encoding="utf-8")) if CORPUS.exists() else []
pytestmark = pytest.mark.skipif(not EXAMPLES, reason=f"JSON Forms corpus not found at {CORPUS}")

# The one rule of the corpus whose condition was a JavaScript `validate` function.
UNSUPPORTED = {"rule": ["/elements/2/elements/2/rule"]}

_CATEGORIZATION = {
    "/elements/1": (True, True),  # SHOW provideAddress == true: it is true
    "/elements/2": (False, True),  # SHOW vegetarian == true: it is false
    "/elements/2/elements/0": (False, True),  # inside the hidden category
    "/elements/2/elements/2": (False, True),  # favoriteVegetable undefined fails const "Other"; parent hidden
}

# uiPath -> (visible, enabled), for the data given with each example.
RULES: dict[str, dict[str, tuple[bool, bool]]] = {
    # SHOW when occupation == "developer" (it is) OR enableArray == true (undefined).
    "array-with-detail-and-rule": {"/elements/2": (True, True), "/elements/0": (True, True)},
    "categorization": _CATEGORIZATION,
    "categorization-stepper-nav-buttons": _CATEGORIZATION,
    "categorizationstepper": _CATEGORIZATION,
    # data is {}: recurrence is undefined, which fails const "Never".
    "conditional-schema-compositions": {
        "/elements/0/elements/2": (False, True),
        "/elements/0/elements/3": (False, True),
    },
    # ENABLE the address group when committer == true: it is false, so the group and its controls are disabled.
    "1884": {
        "/elements/4": (True, False),
        "/elements/4/elements/0/elements/0": (True, False),
        "/elements/4/elements/1/elements/1": (True, False),
        "/elements/3/elements/2": (True, True),
    },
    # SHOW user when address.state === "DC": it is.
    "object": {"/elements/1": (True, True)},
    "rule": {
        "/elements/1/elements/1": (True, False),  # ENABLE when dead == true: dead is false
        "/elements/2/elements/1": (False, True),  # HIDE when vegetables == false: it is false
        "/elements/2/elements/2": (True, True),  # JavaScript condition: reported, left visible and enabled
    },
    # ENABLE root when toggleTopLayout == true (it is); SHOW group when toggleBottomLayout == true (it is).
    "rule-enable": {
        "": (True, True),
        "/elements/1/elements/1": (True, True),
        "/elements/1/elements/1/elements/0": (True, True),
    },
}


def _compile(example: dict[str, Any]) -> dict[str, Any]:
    return compile_screen(example.get("schema", {}), example.get("uischema"), data=example.get("data"))


def _elements(element: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every element of the tree: layouts, controls, table columns and cells."""
    yield element
    for child in element.get("elements", []):
        yield from _elements(child)
    for column in element.get("columns", []):
        yield from _elements(column)
    for row in element.get("rows", []):
        for cell in row:
            yield from _elements(cell)


def _schema_at(root: Any, path: str) -> Any:
    """The schema of the data at `path`: properties for keys, items for indexes, through $ref and combinators."""
    node = root
    for part in pointer_parts(path):
        node = next(
            (found for candidate in _candidates(root, node, 0) if (found := _child(candidate, part)) is not None), None
        )
        if node is None:
            return None
    return node


def _candidates(root: Any, node: Any, depth: int) -> Iterator[dict[str, Any]]:
    if not isinstance(node, dict) or depth > 20:
        return
    yield node
    if isinstance(node.get("$ref"), str):
        target: Any = root
        for part in pointer_parts(node["$ref"][1:]):
            target = target.get(part) if isinstance(target, dict) else None
        yield from _candidates(root, target, depth + 1)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in node.get(keyword, []):
            yield from _candidates(root, branch, depth + 1)
    for keyword in ("then", "else"):
        yield from _candidates(root, node.get(keyword), depth + 1)


def _child(schema: dict[str, Any], part: str) -> Any:
    if part.isdigit() and "items" in schema:
        return schema["items"]
    properties = schema.get("properties")
    return properties.get(part) if isinstance(properties, dict) else None


@pytest.mark.parametrize("example", EXAMPLES, ids=[example["name"] for example in EXAMPLES])
def test_example_compiles_to_a_json_screen_with_unique_ids_and_resolvable_pointers(example: dict[str, Any]) -> None:
    screen = _compile(example)

    assert json.loads(json.dumps(screen)) == screen
    controls = [element for element in _elements(screen["root"]) if element["kind"] == "control"]
    ids = [control["id"] for control in controls]
    assert len(ids) == len(set(ids))
    for control in controls:
        if "pointer" in control:
            assert _schema_at(example.get("schema", {}), control["pointer"]) is not None, control["pointer"]


@pytest.mark.parametrize("example", EXAMPLES, ids=[example["name"] for example in EXAMPLES])
def test_example_reports_only_its_javascript_rule_as_unsupported(example: dict[str, Any]) -> None:
    screen = _compile(example)

    assert [entry["path"] for entry in screen["unsupported"]] == UNSUPPORTED.get(example["name"], [])


def test_every_example_with_a_rule_has_hand_written_expectations() -> None:
    with_rules = {example["name"] for example in EXAMPLES if '"rule"' in json.dumps(example.get("uischema"))}

    assert with_rules == set(RULES)


@pytest.mark.parametrize("name", sorted(RULES))
def test_rule_outcomes_match_json_forms_for_the_example_data(name: str) -> None:
    example = next(example for example in EXAMPLES if example["name"] == name)
    by_path: dict[str, dict[str, Any]] = {}
    for element in _elements(_compile(example)["root"]):
        by_path.setdefault(element["uiPath"], element)

    found = {path: (by_path[path]["visible"], by_path[path]["enabled"]) for path in RULES[name]}

    assert found == RULES[name]


def test_categorization_shows_the_other_vegetable_field_once_other_is_chosen() -> None:
    example = next(example for example in EXAMPLES if example["name"] == "categorization")
    data = {"vegetarian": True, "vegetarianOptions": {"favoriteVegetable": "Other"}}

    screen = compile_screen(example["schema"], example["uischema"], data=data)
    by_path = {element["uiPath"]: element for element in _elements(screen["root"])}

    assert by_path["/elements/1"]["visible"] is False  # provideAddress undefined fails const true
    assert by_path["/elements/2"]["visible"] is True
    assert by_path["/elements/2/elements/2"]["visible"] is True


def test_disabled_group_of_issue_1884_makes_its_controls_read_only() -> None:
    example = next(example for example in EXAMPLES if example["name"] == "1884")

    screen = compile_screen(example["schema"], example["uischema"], data=example["data"])
    street = next(e for e in _elements(screen["root"]) if e.get("pointer") == "/address/street")

    assert street["enabled"] is False and street["readOnly"] is True


@pytest.mark.parametrize("example", EXAMPLES, ids=[example["name"] for example in EXAMPLES])
def test_example_renders_to_html_with_every_field_labelled(example: dict[str, Any]) -> None:
    screen = _compile(example)

    tree = lxml.html.fragment_fromstring(render_html(screen, action="/save"), create_parent="div")

    for field in tree.xpath(".//input | .//select | .//textarea"):
        assert len(tree.xpath(".//label[@for=$ident]", ident=field.get("id"))) == 1
    assert render_page(screen, example["label"]).startswith("<!DOCTYPE html>")

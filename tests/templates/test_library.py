"""Every template of the library (`ui-schemas/*/`) is a definition the platform accepts as shipped.

Parametrised over the folders themselves, so a new template is checked without touching this file.
"""

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from form_engine.computed import check_formulas
from form_engine.screens import compile_screen, iter_controls
from form_engine.ui_schema import check_ui_schema
from models.document_types import check_definition
from models.templates import TEMPLATE_FILES, read_template
from rules.definitions import parse_workflow
from rules.diagram import render_svg

LIBRARY = Path(__file__).resolve().parents[2] / "ui-schemas"
FOLDERS = sorted(path for path in LIBRARY.iterdir() if path.is_dir())
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


@pytest.fixture(params=FOLDERS, ids=[folder.name for folder in FOLDERS])
def template(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The parts of one template, as `models.templates.install_template` reads them."""
    folder: Path = request.param
    return {"folder": folder, **read_template(folder)}


def _catalogs(schema: Any) -> set[str]:
    """Every catalog an `x-catalog` anywhere in the schema names."""
    if isinstance(schema, dict):
        found = {schema["x-catalog"]} if isinstance(schema.get("x-catalog"), str) else set()
        return found.union(*(_catalogs(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_catalogs(value) for value in schema))
    return set()


def test_the_library_holds_the_seven_templates_of_the_issue() -> None:
    assert {folder.name for folder in FOLDERS} >= {
        "purchase_request", "purchase_order", "supplier_invoice", "customer_invoice",
        "contract", "hr_document", "expense_report",
    }


def test_every_template_folder_holds_its_files_and_a_readme() -> None:
    for folder in FOLDERS:
        missing = [name for name in (*TEMPLATE_FILES, "README.md") if not (folder / name).is_file()]
        assert missing == [], f"{folder.name} lacks {missing}"


def test_the_definition_passes_the_platform_checker(template: dict[str, Any]) -> None:
    problems = check_definition(
        template["schema.json"], template["ui.json"], template["workflow.json"], roles=None
    )
    assert problems == []


def test_the_schema_is_a_valid_draft_2020_12_schema(template: dict[str, Any]) -> None:
    schema = template["schema.json"]
    assert schema["$schema"] == DRAFT_2020_12
    Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object"


def test_every_ui_scope_resolves(template: dict[str, Any]) -> None:
    assert check_ui_schema(template["schema.json"], template["ui.json"]) == []


def test_computed_formulas_parse(template: dict[str, Any]) -> None:
    check_formulas(template["schema.json"])


def test_the_screen_compiles_and_shows_every_field(template: dict[str, Any]) -> None:
    schema = template["schema.json"]
    screen = compile_screen(schema, template["ui.json"], data=None)
    assert screen["unsupported"] == []
    shown = {control["pointer"].split("/")[1] for control in iter_controls(screen) if control["pointer"]}
    assert shown == set(schema["properties"]), "a field no control shows is refused on save"


def test_the_type_is_named_after_its_folder(template: dict[str, Any]) -> None:
    meta = template["type.json"]
    assert meta["key"] == template["folder"].name
    assert meta["name"].strip()
    assert re.fullmatch(r"[A-Z]{2,4}", meta["number_prefix"])


def test_number_prefixes_are_unique_across_the_library() -> None:
    prefixes = {
        folder.name: json.loads((folder / "type.json").read_text(encoding="utf-8"))["number_prefix"]
        for folder in FOLDERS
    }
    shared = {prefix for prefix in prefixes.values() if list(prefixes.values()).count(prefix) > 1}
    assert shared == set(), {name: prefix for name, prefix in prefixes.items() if prefix in shared}


def test_type_keys_are_unique_across_the_library() -> None:
    keys = [json.loads((folder / "type.json").read_text(encoding="utf-8"))["key"] for folder in FOLDERS]
    assert len(keys) == len(set(keys))


def test_installing_creates_every_catalog_the_form_refers_to(template: dict[str, Any]) -> None:
    declared = set(template["type.json"].get("catalogs", {}))
    assert _catalogs(template["schema.json"]) <= declared


def test_every_role_allowed_to_create_is_declared_by_the_workflow(template: dict[str, Any]) -> None:
    """Installing creates the workflow's missing roles, so a creating role must be among them."""
    create = template["type.json"].get("permissions", {}).get("create") or []
    assert set(create) <= set(template["workflow.json"]["roles"])


def test_the_partner_field_is_a_catalog_field_of_the_form(template: dict[str, Any]) -> None:
    field = template["type.json"].get("permissions", {}).get("partner_field")
    if field is None:
        return
    assert "x-catalog" in template["schema.json"]["properties"][field]


def test_the_readme_says_what_the_form_and_the_circuit_do(template: dict[str, Any]) -> None:
    readme = (template["folder"] / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", readme, flags=re.MULTILINE)
    assert headings[:2] == ["Form", "Circuit"]
    workflow = template["workflow.json"]
    unexplained = [key for key in workflow["states"] if f"`{key}`" not in readme]
    unexplained += [t["action"] for t in workflow["transitions"] if f"`{t['action']}`" not in readme]
    assert unexplained == [], "the README's circuit names every state and action"


def test_the_library_readme_lists_every_template() -> None:
    readme = (LIBRARY / "README.md").read_text(encoding="utf-8")
    assert [folder.name for folder in FOLDERS if f"`{folder.name}`" not in readme] == []
    assert "parapheur template install" in readme


def test_the_workflow_diagram_renders(template: dict[str, Any]) -> None:
    workflow = parse_workflow(template["workflow.json"])
    svg = render_svg(workflow, current=workflow.initial, title=template["type.json"]["name"])
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = "".join(root.itertext())
    assert all(state.label in text for state in workflow.states.values())

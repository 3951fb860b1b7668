"""The version diff and the migration check: pure functions over two definitions."""

import copy
import json
from pathlib import Path

import pytest

from graphql_api.designer.versions import diff_versions, migration_blockers
from models.document_types import PublishedVersion

TEMPLATE = Path(__file__).resolve().parents[3] / "ui-schemas" / "purchase_request"


def version() -> dict:
    return {
        "json_schema": json.loads((TEMPLATE / "schema.json").read_text()),
        "ui_schema": json.loads((TEMPLATE / "ui.json").read_text()),
        "workflow": json.loads((TEMPLATE / "workflow.json").read_text()),
    }


def transition(workflow: dict, action: str, source: str, target: str) -> dict:
    return next(
        t for t in workflow["transitions"]
        if t["action"] == action and source in ([t["from"]] if isinstance(t["from"], str) else t["from"])
        and t["to"] == target
    )


def test_a_version_compared_with_itself_has_no_change():
    diff = diff_versions(version(), version())

    assert diff == {
        "fields": {"added": [], "removed": [], "changed": []},
        "states": {"added": [], "removed": [], "changed": []},
        "transitions": {"added": [], "removed": [], "changed": []},
        "parameters": {"changed": {}},
        "settings": {"changed": {}},
        "ui_schema": {"changed": False},
    }


def test_added_removed_and_changed_fields_say_what_changed_top_level_and_in_lines():
    old, new = version(), version()
    properties = new["json_schema"]["properties"]
    properties["cost_centre"] = {"type": "string", "title": "Cost centre", "x-catalog": "cost_centres"}
    new["json_schema"]["required"].append("cost_centre")
    del properties["needed_by"]
    properties["supplier"]["title"] = "Vendor"
    new["json_schema"]["required"].remove("supplier")
    properties["lines"]["items"]["properties"]["vat_rate"]["enum"] = [0, 20]
    properties["lines"]["items"]["properties"]["amount"]["x-computed"] = "round(quantity * unit_price, 2)"
    properties["lines"]["items"]["properties"]["discount"] = {"type": "number", "title": "Discount"}

    fields = diff_versions(old, new)["fields"]

    assert fields["added"] == [
        {"field": "cost_centre", "type": "string", "title": "Cost centre", "required": True, "enum": None,
         "catalog": "cost_centres", "formula": None},
        {"field": "lines.discount", "type": "number", "title": "Discount", "required": False, "enum": None,
         "catalog": None, "formula": None},
    ]
    assert [f["field"] for f in fields["removed"]] == ["needed_by"]
    assert fields["changed"] == [
        {"field": "lines.amount", "changes": {"formula": ["quantity * unit_price", "round(quantity * unit_price, 2)"]}},
        {"field": "lines.vat_rate", "changes": {"enum": [[0, 5.5, 10, 20], [0, 20]]}},
        {"field": "supplier", "changes": {"title": ["Supplier", "Vendor"], "required": [True, False]}},
    ]


def test_a_field_type_and_catalog_change_is_reported():
    old, new = version(), version()
    new["json_schema"]["properties"]["department"] = {"type": "integer", "title": "Department"}

    changed = diff_versions(old, new)["fields"]["changed"]

    assert changed == [{"field": "department", "changes": {"type": ["string", "integer"],
                                                           "catalog": ["departments", None]}}]


def test_states_added_removed_and_changed():
    old, new = version(), version()
    states = new["workflow"]["states"]
    states["legal_review"] = {"label": "Legal review", "assignees": [{"role": "admin"}]}
    del states["dg_review"]
    states["daf_review"]["label"] = "CFO review"
    states["daf_review"]["sla_hours"] = 24

    diff = diff_versions(old, new)["states"]

    assert diff["added"] == [{"state": "legal_review", "label": "Legal review", "assignees": [{"role": "admin"}],
                              "editable": None, "final": False, "on_enter": None, "sla_hours": None}]
    assert [s["state"] for s in diff["removed"]] == ["dg_review"]
    assert diff["changed"] == [
        {"state": "daf_review", "changes": {"label": ["Finance director review", "CFO review"], "sla_hours": [48, 24]}}
    ]


def test_transitions_are_identified_by_action_sources_and_target():
    old, new = version(), version()
    workflow = new["workflow"]
    transition(workflow, "approve", "service_review", "approved")["when"] = "total_ht < 3000.0"
    transition(workflow, "reject", "daf_review", "rejected")["roles"] = ["daf"]
    transition(workflow, "submit", "draft", "service_review")["to"] = "daf_review"
    workflow["transitions"].append({"action": "escalate", "from": "service_review", "to": "dg_review",
                                    "roles": ["service_manager"], "comment_required": True})

    diff = diff_versions(old, new)["transitions"]

    assert [(t["action"], t["sources"], t["target"]) for t in diff["added"]] == [
        ("escalate", ["service_review"], "dg_review"), ("submit", ["draft"], "daf_review")]
    assert [(t["action"], t["sources"], t["target"]) for t in diff["removed"]] == [
        ("submit", ["draft"], "service_review")]
    assert diff["changed"] == [
        {"action": "approve", "sources": ["service_review"], "target": "approved",
         "changes": {"when": ["total_ht < params.service_limit", "total_ht < 3000.0"]}},
        {"action": "reject", "sources": ["daf_review", "dg_review", "service_review"], "target": "rejected",
         "changes": {"roles": [None, ["daf"]]}},
    ]


def test_the_order_of_sources_does_not_change_a_transition_identity():
    old, new = version(), version()
    transition(new["workflow"], "withdraw", "draft", "withdrawn")["from"].reverse()

    assert diff_versions(old, new)["transitions"] == {"added": [], "removed": [], "changed": []}


def test_automatic_and_comment_required_changes_are_reported():
    old, new = version(), version()
    auto = transition(new["workflow"], "auto_approve", "service_review", "approved")
    auto["automatic"] = False
    transition(new["workflow"], "return_for_changes", "daf_review", "draft")["comment_required"] = False

    changes = [t["changes"] for t in diff_versions(old, new)["transitions"]["changed"]]

    assert changes == [{"automatic": [True, False]}, {"comment_required": [True, False]}]


def test_reordering_a_gateway_is_a_change_because_the_first_guard_that_holds_wins():
    old, new = version(), version()
    transitions = new["workflow"]["transitions"]
    guarded = transitions.index(transition(new["workflow"], "approve", "daf_review", "approved"))
    transitions[guarded], transitions[guarded + 1] = transitions[guarded + 1], transitions[guarded]

    changed = diff_versions(old, new)["transitions"]["changed"]

    assert [(t["target"], t["changes"]) for t in changed] == [
        ("approved", {"order": [{"daf_review": 0}, {"daf_review": 1}]}),
        ("dg_review", {"order": [{"daf_review": 1}, {"daf_review": 0}]}),
    ]


def test_parameters_settings_and_ui_schema_changes():
    old, new = version(), version()
    workflow = new["workflow"]
    workflow["parameters"]["daf_limit"] = 25000.0
    workflow["parameters"]["legal_limit"] = 100000.0
    del workflow["parameters"]["auto_approval_limit"]
    workflow["allow_self_approval"] = True
    new["ui_schema"]["elements"] = list(reversed(new["ui_schema"]["elements"]))

    diff = diff_versions(old, new)

    assert diff["parameters"] == {"changed": {"auto_approval_limit": [500.0, None], "daf_limit": [20000.0, 25000.0],
                                              "legal_limit": [None, 100000.0]}}
    assert diff["settings"] == {"changed": {"allow_self_approval": [False, True]}}
    assert diff["ui_schema"] == {"changed": True}


def test_the_diff_is_deterministic_whatever_the_key_order():
    old, new = version(), version()
    new["json_schema"]["properties"]["zeta"] = {"type": "string"}
    new["json_schema"]["properties"]["alpha"] = {"type": "string"}
    shuffled = copy.deepcopy(new)
    shuffled["json_schema"]["properties"] = dict(reversed(list(new["json_schema"]["properties"].items())))
    shuffled["workflow"]["states"] = dict(reversed(list(new["workflow"]["states"].items())))

    first = diff_versions(old, new)

    assert [f["field"] for f in first["fields"]["added"]] == ["alpha", "zeta"]
    assert json.dumps(diff_versions(old, shuffled)) == json.dumps(first)


def test_a_published_version_object_is_accepted():
    raw = version()
    published = PublishedVersion(
        id=1, document_type_id=1, organisation_id=1, key="purchase_request", name="Purchase request",
        category="purchasing", number_prefix="DA", version=1, json_schema=raw["json_schema"],
        ui_schema=raw["ui_schema"], workflow_raw=raw["workflow"], permissions={},
    )

    assert diff_versions(published, raw)["fields"] == {"added": [], "removed": [], "changed": []}


def test_anything_else_is_refused_with_what_was_expected():
    with pytest.raises(TypeError, match="mapping with json_schema, ui_schema and workflow"):
        diff_versions("v1", version())


def test_migration_is_blocked_by_states_missing_from_the_new_version():
    new = version()["workflow"]
    del new["states"]["dg_review"]

    assert migration_blockers(new, ["draft", "dg_review", "service_review", "dg_review", "ghost"]) == [
        "dg_review", "ghost"]
    assert migration_blockers(new, ["draft", "approved"]) == []
    assert migration_blockers(new, iter(())) == []

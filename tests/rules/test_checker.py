import pytest

from rules.checker import check_workflow
from rules.errors import Problem

ROLES = ["requester", "service_manager", "daf", "dg", "accounting", "admin"]


def paths(problems: list[Problem]) -> list[str]:
    return [problem.path for problem in problems]


def test_template_passes_with_zero_problems(raw, fields):
    assert check_workflow(raw, fields) == []
    assert check_workflow(raw, fields, ROLES) == []


def test_misspelled_field_in_condition_is_reported_with_its_path(raw, fields):
    raw["transitions"][2]["when"] = "totl_ht > 5.0"

    [problem] = check_workflow(raw, fields)

    assert problem == Problem(
        "/transitions/2/when",
        "unknown field 'totl_ht' in condition 'totl_ht > 5.0' (did you mean 'total_ht'?); fields are: "
        "title, department, supplier, analytic_code, needed_by, justification, lines, total_ht, total_vat, "
        "total_ttc",
    )


def test_comprehension_variables_are_not_fields(raw, fields):
    raw["transitions"][2]["when"] = "lines.exists(line, line.amount > 1000.0)"

    assert check_workflow(raw, fields) == []


def test_unknown_parameter_is_reported(raw, fields):
    raw["transitions"][4]["when"] = "total_ht < params.daf_limt"

    [problem] = check_workflow(raw, fields)

    assert problem.path == "/transitions/4/when"
    assert problem.message.startswith(
        "unknown parameter 'daf_limt' in condition 'total_ht < params.daf_limt' (did you mean 'daf_limit'?)"
    )


def test_scope_naming_an_unknown_field_is_reported(raw, fields):
    raw["states"]["service_review"]["assignees"][0]["scope"]["department"] = "departement"

    [problem] = check_workflow(raw, fields)

    assert problem.path == "/states/service_review/assignees/0/scope/department"
    assert problem.message.startswith("unknown field 'departement' in condition 'departement'")


def test_unknown_editable_field_is_reported(raw, fields):
    raw["states"]["draft"]["editable"] = ["title", "comments"]

    assert paths(check_workflow(raw, fields)) == ["/states/draft/editable/1"]


def test_cel_syntax_error_is_reported_with_its_position(raw, fields):
    raw["transitions"][1]["when"] = "total_ht < params.auto_approval_limit )"

    [problem] = check_workflow(raw, fields)

    assert problem.path == "/transitions/1/when"
    assert "does not compile: ERROR: <input>:1:39: Syntax error" in problem.message


def test_unreachable_state_is_reported(raw, fields):
    raw["states"]["archived"] = {"label": "Archived", "final": True}

    assert check_workflow(raw, fields) == [
        Problem(
            "/states/archived",
            "state 'archived' can't be reached from the initial state 'draft'; "
            "add a transition to it or remove it",
        )
    ]


def test_non_final_state_without_way_out_is_reported(raw, fields):
    del raw["states"]["closed"]["final"]

    assert check_workflow(raw, fields) == [
        Problem(
            "/states/closed",
            "state 'closed' is not final and has no transition out of it; add one or mark it \"final\": true",
        )
    ]


def test_transition_out_of_a_final_state_is_reported(raw, fields):
    raw["transitions"].append(
        {"action": "reopen", "from": "closed", "to": "ordered", "roles": ["accounting"]}
    )

    [problem] = check_workflow(raw, fields)

    assert problem.path == "/transitions/12/from"
    assert problem.message.startswith("transition 'reopen' leaves the final state 'closed'")


@pytest.mark.parametrize("where", ["assignee", "transition"])
def test_unknown_role_is_reported(raw, fields, where):
    if where == "assignee":
        raw["states"]["dg_review"]["assignees"][0]["role"] = "ceo"
        path = "/states/dg_review/assignees/0/role"
    else:
        raw["transitions"][11]["roles"] = ["accounting", "ceo"]
        path = "/transitions/11/roles/1"

    [problem] = check_workflow(raw, fields)

    assert problem.path == path
    assert problem.message.startswith("unknown role 'ceo'; roles are: accounting, admin, daf, dg")
    assert check_workflow(raw, fields, [*ROLES, "ceo"]) == []


def test_unknown_target_state_is_reported(raw, fields):
    raw["transitions"][6]["to"] = "aproved"

    problems = check_workflow(raw, fields)

    assert paths(problems) == ["/transitions/6/to"]
    assert problems[0].message.startswith("unknown state 'aproved'; states are: draft, service_review")


def test_transition_after_a_default_never_fires(raw, fields):
    raw["transitions"][2], raw["transitions"][3] = raw["transitions"][3], raw["transitions"][2]

    assert check_workflow(raw, fields) == [
        Problem(
            "/transitions/3",
            "transition 'approve' from 'service_review' never fires: "
            "transition 2 before it has no condition; move the default last",
        )
    ]


def test_unusable_outline_gives_only_structural_problems(fields):
    assert paths(check_workflow({"initial": "draft", "states": []}, fields)) == ["/states", "/transitions"]

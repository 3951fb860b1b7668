import pytest

from rules.definitions import Assignee, State, Transition, parse_workflow
from rules.errors import Problem, WorkflowError


def problems_of(raw) -> list[Problem]:
    with pytest.raises(WorkflowError) as caught:
        parse_workflow(raw)
    return caught.value.problems


def test_template_reads_into_states_and_transitions(workflow):
    assert workflow.initial == "draft"
    assert list(workflow.states) == [
        "draft",
        "service_review",
        "daf_review",
        "dg_review",
        "approved",
        "ordered",
        "closed",
        "rejected",
        "withdrawn",
    ]
    assert workflow.states["service_review"] == State(
        key="service_review",
        label="Service review",
        assignees=(Assignee(role="service_manager", scope={"department": "department"}),),
        sla_hours=48,
    )
    assert workflow.states["draft"].editable == "*"
    assert workflow.states["approved"].on_enter == ("generate_purchase_order",)
    assert workflow.parameters == {
        "auto_approval_limit": 500.0,
        "service_limit": 5000.0,
        "daf_limit": 20000.0,
    }
    assert workflow.transitions[7] == Transition(
        index=7,
        action="reject",
        label="Reject",
        sources=("service_review", "daf_review", "dg_review"),
        target="rejected",
        comment_required=True,
    )
    assert workflow.actions == (
        "submit",
        "auto_approve",
        "approve",
        "reject",
        "return_for_changes",
        "withdraw",
        "order",
        "close",
    )


def test_every_guard_and_scope_is_compiled_when_parsed(workflow):
    assert set(workflow.conditions) == {
        "department",
        "total_ht < params.auto_approval_limit",
        "total_ht < params.service_limit",
        "total_ht < params.daf_limit",
    }
    assert workflow.condition("department") is workflow.conditions["department"]


def test_labels_default_to_the_humanised_key():
    workflow = parse_workflow(
        {
            "initial": "to_check",
            "states": {"to_check": {"assignees": [{"role": "clerk"}]}, "done": {"final": True}},
            "transitions": [{"action": "mark_done", "from": "to_check", "to": "done"}],
        }
    )

    assert workflow.states["to_check"].label == "To check"
    assert workflow.transitions[0].label == "Mark done"
    assert workflow.states["to_check"].editable is None


def test_a_workflow_must_be_an_object():
    assert problems_of([]) == [Problem("", "a workflow must be a JSON object, not an array")]


def test_missing_outline_is_reported_key_by_key():
    assert problems_of({}) == [
        Problem("/initial", "'initial' is required"),
        Problem("/states", "'states' is required: an object of state key -> state"),
        Problem("/transitions", "'transitions' is required: an array of transitions"),
    ]


def test_every_structural_problem_is_reported_at_once(raw):
    raw["initial"] = "start"
    raw["colour"] = "blue"
    raw["states"]["draft"]["lable"] = "Draft"
    raw["states"]["service_review"]["sla_hours"] = "48"
    raw["states"]["approved"]["final"] = "yes"
    raw["transitions"][0]["to"] = "servce_review"
    raw["transitions"][2]["when"] = "total_ht <"
    raw["transitions"][7]["from"] = ["service_review", "dg_reviw"]
    raw["transitions"][9]["by"] = "manager"
    raw["transitions"][10]["role"] = "accounting"

    paths = [problem.path for problem in problems_of(raw)]

    assert paths == [
        "/colour",
        "/states/draft/lable",
        "/states/service_review/sla_hours",
        "/states/approved/final",
        "/transitions/0/to",
        "/transitions/2/when",
        "/transitions/7/from/1",
        "/transitions/9/by",
        "/transitions/10/role",
        "/initial",
    ]


def test_cel_error_keeps_its_position(raw):
    raw["transitions"][2]["when"] = "total_ht < params.service_limit &&"

    [problem] = problems_of(raw)

    assert problem.path == "/transitions/2/when"
    assert "ERROR: <input>:1:35: Syntax error" in problem.message


def test_scope_must_compile(raw):
    raw["states"]["service_review"]["assignees"][0]["scope"]["department"] = "department ="

    [problem] = problems_of(raw)

    assert problem.path == "/states/service_review/assignees/0/scope/department"
    assert "does not compile" in problem.message


def test_automatic_transition_is_fired_by_nobody(raw):
    raw["transitions"][1]["by"] = "creator"

    assert problems_of(raw) == [
        Problem("/transitions/1/by", "an automatic transition is fired by nobody: remove 'by'")
    ]


def test_assignee_is_a_role_or_the_creator(raw):
    raw["states"]["daf_review"]["assignees"] = [{"creator": False}, {"scope": {}}, "daf"]

    assert [problem.path for problem in problems_of(raw)] == [
        "/states/daf_review/assignees/0",
        "/states/daf_review/assignees/1",
        "/states/daf_review/assignees/2",
    ]


def test_error_text_lists_every_problem():
    error = WorkflowError([Problem("/initial", "'initial' is required"), Problem("/states", "bad")])

    assert str(error) == (
        "2 problems in the workflow definition:\n  /initial: 'initial' is required\n  /states: bad"
    )
    assert error.problems[0].as_dict() == {"path": "/initial", "message": "'initial' is required"}


def test_pointer_escapes_slashes_in_state_keys():
    [problem] = problems_of({"initial": "a/b", "states": {"a/b": {"colour": 1}}, "transitions": []})

    assert problem.path == "/states/a~1b/colour"

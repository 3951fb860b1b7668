from typing import Any

import pytest

from rules.actors import Actor, Grant
from rules.decisions import Accepted, ActionOption, Step, available_actions, decide, settle
from rules.definitions import Workflow, parse_workflow
from rules.errors import Reason, Refused, WorkflowError

CREATOR_ID = 1  # alice, see conftest.py


def act(
    workflow: Workflow,
    actor: Actor,
    state: str,
    data: dict[str, Any],
    action: str,
    comment: str | None = None,
) -> Accepted | Refused:
    return decide(
        workflow, state=state, data=data, actor=actor, creator_id=CREATOR_ID, action=action, comment=comment
    )


def accepted(result: Accepted | Refused) -> Accepted:
    assert isinstance(result, Accepted), result
    return result


def refused(result: Accepted | Refused, reason: Reason) -> str:
    assert isinstance(result, Refused), result
    assert result.reason == reason, result.message
    return result.message


# --- the circuit, path by path -------------------------------------------------------------


def test_submit_under_auto_approval_limit_is_approved_automatically(workflow, alice, request_of):
    result = accepted(act(workflow, alice, "draft", request_of(499.99), "submit"))

    assert result.state == "approved"
    assert result.steps == (
        Step("submit", "Submit", "draft", "service_review", automatic=False, actor_id=CREATOR_ID),
        Step("auto_approve", "Approved automatically", "service_review", "approved", automatic=True),
    )
    assert result.steps[1].actor_id is None
    assert result.jobs == ("generate_purchase_order",)


def test_submit_at_auto_approval_limit_waits_for_service_manager(workflow, alice, request_of):
    result = accepted(act(workflow, alice, "draft", request_of(500), "submit"))

    assert result.state == "service_review"
    assert [step.action for step in result.steps] == ["submit"]
    assert result.jobs == ()


@pytest.mark.parametrize(
    ("total", "state", "expected"),
    [
        (4999.99, "service_review", "approved"),
        (5000, "service_review", "daf_review"),
        (19999.99, "daf_review", "approved"),
        (20000, "daf_review", "dg_review"),
        (250000, "dg_review", "approved"),
    ],
)
def test_approve_routes_by_amount(workflow, bob, dan, gina, request_of, total, state, expected):
    approver = {"service_review": bob, "daf_review": dan, "dg_review": gina}[state]

    result = accepted(act(workflow, approver, state, request_of(total), "approve"))

    assert result.state == expected
    assert result.steps == (Step("approve", "Approve", state, expected, actor_id=approver.user_id),)
    assert result.jobs == (("generate_purchase_order",) if expected == "approved" else ())


def test_large_request_goes_through_every_review_to_closed(workflow, alice, bob, dan, gina, carl, request_of):
    data = request_of(25000)
    path = [
        (alice, "submit", "service_review"),
        (bob, "approve", "daf_review"),
        (dan, "approve", "dg_review"),
        (gina, "approve", "approved"),
        (carl, "order", "ordered"),
        (carl, "close", "closed"),
    ]
    state = "draft"
    for actor, action, expected in path:
        state = accepted(act(workflow, actor, state, data, action)).state
        assert state == expected

    assert available_actions(workflow, state=state, data=data, actor=carl, creator_id=CREATOR_ID) == []


@pytest.mark.parametrize("state", ["service_review", "daf_review", "dg_review"])
def test_reviewer_rejects_with_comment(workflow, bob, dan, gina, request_of, state):
    reviewer = {"service_review": bob, "daf_review": dan, "dg_review": gina}[state]

    result = accepted(act(workflow, reviewer, state, request_of(30000), "reject", "  Too expensive  "))

    assert result.state == "rejected"
    assert result.steps[0].comment == "Too expensive"


def test_returned_request_goes_back_to_draft_and_can_be_resubmitted(workflow, alice, bob, request_of):
    data = request_of(1000)
    returned = accepted(act(workflow, bob, "service_review", data, "return_for_changes", "Add a quote"))
    assert returned.state == "draft"

    assert accepted(act(workflow, alice, "draft", data, "submit")).state == "service_review"


@pytest.mark.parametrize("state", ["draft", "service_review", "daf_review", "dg_review"])
def test_creator_can_withdraw_until_approved(workflow, alice, request_of, state):
    assert accepted(act(workflow, alice, state, request_of(), "withdraw")).state == "withdrawn"


def test_accounting_orders_approved_request(workflow, carl, request_of):
    assert accepted(act(workflow, carl, "approved", request_of(), "order")).state == "ordered"


# --- refusals, in check order ----------------------------------------------------------------


def test_unknown_action_is_refused_naming_the_actions(workflow, bob, request_of):
    message = refused(act(workflow, bob, "service_review", request_of(), "publish"), Reason.UNKNOWN_ACTION)

    assert message.startswith("Can't publish when in Service review: this workflow has no action 'publish'")
    assert message.endswith(
        "its actions are: submit, approve, reject, return_for_changes, withdraw, order, close."
    )


def test_action_not_available_in_state_lists_what_is(workflow, carl, request_of):
    message = refused(act(workflow, carl, "draft", request_of(), "close"), Reason.NOT_AVAILABLE_IN_STATE)

    assert message == "Can't close when in Draft: from Draft you can submit or withdraw."


def test_nothing_is_available_in_a_final_state(workflow, carl, request_of):
    message = refused(act(workflow, carl, "closed", request_of(), "close"), Reason.NOT_AVAILABLE_IN_STATE)

    assert "nothing can be done from Closed" in message


def test_automatic_transition_cannot_be_fired_by_hand(workflow, bob, request_of):
    message = refused(
        act(workflow, bob, "service_review", request_of(100), "auto_approve"), Reason.NOT_AVAILABLE_IN_STATE
    )

    assert "'auto_approve' happens automatically" in message


def test_service_manager_of_another_department_is_not_permitted(workflow, paula, request_of):
    message = refused(act(workflow, paula, "service_review", request_of(), "approve"), Reason.NOT_PERMITTED)

    assert message == (
        "Can't approve when in Service review: this needs role 'service_manager' for department 'IT'; "
        "ask an administrator for that role, or someone who holds it to act."
    )


def test_not_permitted_comes_before_comment_required(workflow, paula, request_of):
    refused(act(workflow, paula, "service_review", request_of(), "reject"), Reason.NOT_PERMITTED)


def test_only_creator_can_withdraw(workflow, bob, request_of):
    message = refused(act(workflow, bob, "service_review", request_of(), "withdraw"), Reason.NOT_PERMITTED)

    assert (
        message == "Can't withdraw when in Service review: only the creator of the document may withdraw it."
    )


def test_only_accounting_can_order(workflow, bob, request_of):
    message = refused(act(workflow, bob, "approved", request_of(), "order"), Reason.NOT_PERMITTED)

    assert "this needs role 'accounting'" in message


def test_admin_flag_does_not_let_anyone_act(workflow, root, request_of):
    refused(act(workflow, root, "service_review", request_of(), "approve"), Reason.NOT_PERMITTED)


def test_requester_cannot_approve_own_request(workflow, request_of):
    manager_and_creator = Actor(CREATOR_ID, (Grant("service_manager", {"department": "IT"}),))

    message = refused(
        act(workflow, manager_and_creator, "service_review", request_of(), "approve"), Reason.SELF_APPROVAL
    )

    assert message == (
        "Can't approve when in Service review: you created this document, "
        "so someone else must approve it (segregation of duties)."
    )


def test_self_approval_comes_before_comment_required(workflow, request_of):
    manager_and_creator = Actor(CREATOR_ID, (Grant("service_manager", {"department": "IT"}),))

    refused(
        act(workflow, manager_and_creator, "service_review", request_of(), "reject"), Reason.SELF_APPROVAL
    )


def test_allow_self_approval_lets_creator_approve(raw, request_of):
    raw["allow_self_approval"] = True
    manager_and_creator = Actor(CREATOR_ID, (Grant("service_manager", {"department": "IT"}),))

    result = act(parse_workflow(raw), manager_and_creator, "service_review", request_of(1000), "approve")

    assert accepted(result).state == "approved"


def test_creator_assignee_is_not_self_approval(alice, request_of):
    workflow = parse_workflow(
        {
            "initial": "draft",
            "states": {"draft": {"assignees": [{"creator": True}]}, "sent": {"final": True}},
            "transitions": [{"action": "send", "from": "draft", "to": "sent"}],
        }
    )

    assert accepted(act(workflow, alice, "draft", request_of(), "send")).state == "sent"


@pytest.mark.parametrize("action", ["reject", "return_for_changes"])
@pytest.mark.parametrize("comment", [None, "", "   "])
def test_reject_and_return_require_a_comment(workflow, bob, request_of, action, comment):
    message = refused(
        act(workflow, bob, "service_review", request_of(), action, comment), Reason.COMMENT_REQUIRED
    )

    assert message == f"Can't {action} when in Service review: a comment is required; say why in the comment."


def test_guard_that_cannot_be_evaluated_is_a_condition_failure(workflow, bob, request_of):
    message = refused(
        act(workflow, bob, "service_review", request_of(None), "approve"), Reason.CONDITION_FAILED
    )

    assert message.startswith(
        "Can't approve when in Service review: condition 'total_ht < params.service_limit' "
        "could not be evaluated: No such overload"
    )
    assert "(empty: total_ht)" in message


def test_submit_is_refused_when_automatic_step_cannot_be_evaluated(workflow, alice, request_of):
    message = refused(act(workflow, alice, "draft", request_of(None), "submit"), Reason.CONDITION_FAILED)

    assert "the automatic step after it failed: condition 'total_ht < params.auto_approval_limit'" in message


def gateway_without_default() -> Workflow:
    return parse_workflow(
        {
            "initial": "open",
            "parameters": {"limit": 100.0},
            "roles": ["clerk"],
            "states": {
                "open": {"assignees": [{"role": "clerk"}]},
                "small": {"final": True},
                "urgent": {"final": True},
            },
            "transitions": [
                {"action": "file", "from": "open", "to": "urgent", "when": "urgent == true"},
                {"action": "file", "from": "open", "to": "small", "when": "amount < params.limit"},
            ],
        }
    )


def test_no_guard_holding_is_a_condition_failure():
    clerk = Actor(9, (Grant("clerk"),))

    result = decide(
        gateway_without_default(),
        state="open",
        data={"amount": 150, "urgent": False},
        actor=clerk,
        creator_id=CREATOR_ID,
        action="file",
        comment=None,
    )

    assert refused(result, Reason.CONDITION_FAILED) == (
        "Can't file when in Open: the condition 'urgent == true' or 'amount < params.limit' "
        "does not hold for this document."
    )


def test_first_guard_that_holds_wins():
    clerk = Actor(9, (Grant("clerk"),))

    result = decide(
        gateway_without_default(),
        state="open",
        data={"amount": 10, "urgent": True},
        actor=clerk,
        creator_id=CREATOR_ID,
        action="file",
        comment=None,
    )

    assert accepted(result).state == "urgent"


def test_unknown_document_state_is_a_workflow_error(workflow, bob, request_of):
    with pytest.raises(WorkflowError, match="state 'limbo' is not in this workflow"):
        act(workflow, bob, "limbo", request_of(), "approve")


# --- automatic chains --------------------------------------------------------------------------


def test_settle_after_creation_runs_automatic_transitions(workflow, request_of):
    assert settle(workflow, "draft", request_of(10)) == ()
    assert settle(workflow, "service_review", request_of(10)) == (
        Step("auto_approve", "Approved automatically", "service_review", "approved", automatic=True),
    )


def looping_workflow() -> Workflow:
    return parse_workflow(
        {
            "initial": "start",
            "states": {"start": {"assignees": [{"creator": True}]}, "a": {}, "b": {}},
            "transitions": [
                {"action": "go", "from": "start", "to": "a", "by": "creator"},
                {"action": "ping", "from": "a", "to": "b", "automatic": True},
                {"action": "pong", "from": "b", "to": "a", "automatic": True, "when": "size(title) > 0"},
            ],
        }
    )


def test_automatic_loop_is_stopped_by_the_loop_guard(alice):
    with pytest.raises(
        WorkflowError, match="loop without resting after 20 steps: a -> b -> a; make one"
    ) as caught:
        decide(
            looping_workflow(),
            state="start",
            data={"title": "x"},
            actor=alice,
            creator_id=CREATOR_ID,
            action="go",
            comment=None,
        )

    assert caught.value.problems[0].path == "/transitions/1"


def test_automatic_chain_rests_when_no_guard_holds():
    steps = settle(looping_workflow(), "a", {"title": ""})

    assert [(step.from_state, step.to_state) for step in steps] == [("a", "b")]


# --- available actions ------------------------------------------------------------------------


def options(workflow: Workflow, actor: Actor, state: str, data: dict[str, Any]) -> list[str]:
    found = available_actions(workflow, state=state, data=data, actor=actor, creator_id=CREATOR_ID)
    return [option.key for option in found]


def test_available_actions_for_service_manager_in_review(workflow, bob, request_of):
    found = available_actions(
        workflow, state="service_review", data=request_of(), actor=bob, creator_id=CREATOR_ID
    )

    assert found == [
        ActionOption("approve", "Approve", requires_comment=False),
        ActionOption("reject", "Reject", requires_comment=True),
        ActionOption("return_for_changes", "Return for changes", requires_comment=True),
    ]


def test_available_actions_for_the_other_people(workflow, alice, paula, carl, root, request_of):
    data = request_of()
    manager_and_creator = Actor(CREATOR_ID, (Grant("service_manager", {"department": "IT"}),))

    assert options(workflow, alice, "draft", data) == ["submit", "withdraw"]
    assert options(workflow, alice, "service_review", data) == ["withdraw"]
    assert options(workflow, manager_and_creator, "service_review", data) == ["withdraw"]
    assert options(workflow, paula, "service_review", data) == []
    assert options(workflow, root, "service_review", data) == []
    assert options(workflow, carl, "approved", data) == ["order"]


def test_available_actions_leave_out_actions_whose_guards_fail():
    clerk = Actor(9, (Grant("clerk"),))

    assert options(gateway_without_default(), clerk, "open", {"amount": 150, "urgent": False}) == []
    assert options(gateway_without_default(), clerk, "open", {"amount": 15, "urgent": False}) == ["file"]


def test_blank_optional_comment_is_recorded_as_none(workflow, bob, request_of):
    result = accepted(act(workflow, bob, "service_review", request_of(), "approve", "   "))

    assert result.steps[0].comment is None


def test_platform_moves_an_approved_request_to_ordered_without_a_person(workflow):
    from rules.decisions import decide_for_platform

    decision = decide_for_platform(workflow, state="approved", data={"total_ht": 100.0}, action="order")
    assert decision.state == "ordered"
    assert decision.steps[0].automatic and decision.steps[0].actor_id is None


def test_platform_cannot_take_a_transition_that_does_not_leave_the_state(workflow):
    from rules.decisions import Refused, decide_for_platform

    refused = decide_for_platform(workflow, state="draft", data={}, action="order")
    assert isinstance(refused, Refused) and refused.reason == "NOT_AVAILABLE_IN_STATE"

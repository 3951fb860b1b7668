import pytest

from rules.actors import Actor, Grant, grant_matches
from rules.definitions import parse_workflow
from rules.errors import Reason
from rules.permissions import Assignment, assignees_of, audience_of, can_act, can_create, can_edit, can_see

CREATOR_ID = 1  # alice, see conftest.py


def test_service_review_is_assigned_to_the_request_departments_manager(workflow, request_of):
    assert assignees_of(workflow, "service_review", request_of(department="IT")) == [
        Assignment("service_manager", {"department": "IT"})
    ]


def test_missing_scope_field_gives_a_none_scope_that_only_unscoped_grants_match(workflow, bob, request_of):
    data = request_of(department=None)
    head_of_all = Actor(9, (Grant("service_manager"),))

    assert assignees_of(workflow, "service_review", data) == [
        Assignment("service_manager", {"department": None})
    ]
    assert not can_act(workflow, state="service_review", data=data, actor=bob, creator_id=CREATOR_ID)
    assert can_act(workflow, state="service_review", data=data, actor=head_of_all, creator_id=CREATOR_ID)


def test_audience_lists_each_assignment_once(workflow, request_of):
    audience = audience_of(workflow, request_of())

    assert audience == [
        Assignment(None, creator=True),
        Assignment("service_manager", {"department": "IT"}),
        Assignment("daf"),
        Assignment("dg"),
        Assignment("accounting"),
    ]


@pytest.mark.parametrize(
    ("person", "sees"),
    [
        ("alice", True),
        ("bob", True),
        ("paula", False),
        ("dan", True),
        ("carl", True),
        ("root", True),
        ("stranger", False),
    ],
)
def test_who_sees_an_it_request(workflow, request_of, request, person, sees):
    actor = request.getfixturevalue(person)

    assert can_see(workflow, data=request_of(department="IT"), actor=actor, creator_id=CREATOR_ID) is sees


def test_role_named_only_by_a_transition_may_see(request_of):
    workflow = parse_workflow(
        {
            "initial": "open",
            "states": {"open": {"assignees": [{"creator": True}]}, "done": {"final": True}},
            "transitions": [{"action": "audit", "from": "open", "to": "done", "roles": ["auditor"]}],
        }
    )
    auditor = Actor(9, (Grant("auditor"),))

    assert can_see(workflow, data=request_of(), actor=auditor, creator_id=CREATOR_ID)


def test_can_act_only_for_assignees_of_the_current_state(workflow, alice, bob, paula, request_of):
    data = request_of()

    assert can_act(workflow, state="draft", data=data, actor=alice, creator_id=CREATOR_ID)
    assert not can_act(workflow, state="draft", data=data, actor=bob, creator_id=CREATOR_ID)
    assert can_act(workflow, state="service_review", data=data, actor=bob, creator_id=CREATOR_ID)
    assert not can_act(workflow, state="service_review", data=data, actor=paula, creator_id=CREATOR_ID)


def test_creator_edits_any_field_of_a_draft(workflow, alice, request_of):
    refusal = can_edit(
        workflow,
        state="draft",
        data=request_of(),
        actor=alice,
        creator_id=CREATOR_ID,
        changed_fields=["title", "lines"],
    )

    assert refusal is None


def test_documents_under_review_are_read_only(workflow, alice, request_of):
    refusal = can_edit(
        workflow,
        state="service_review",
        data=request_of(),
        actor=alice,
        creator_id=CREATOR_ID,
        changed_fields=["title"],
    )

    assert refusal is not None
    assert refusal.reason == Reason.NOT_AVAILABLE_IN_STATE
    assert refusal.message == "Can't edit when in Service review: documents in this state are read-only."


def test_only_assignees_edit(workflow, bob, root, request_of):
    for actor in (bob, root):
        refusal = can_edit(
            workflow,
            state="draft",
            data=request_of(),
            actor=actor,
            creator_id=CREATOR_ID,
            changed_fields=["title"],
        )
        assert refusal is not None
        assert refusal.reason == Reason.NOT_PERMITTED
        assert (
            refusal.message == "Can't edit when in Draft: only the creator of the document may edit it now."
        )


def test_editable_list_limits_the_fields_that_may_change(raw, bob, request_of):
    raw["states"]["service_review"]["editable"] = ["analytic_code", "justification"]
    workflow = parse_workflow(raw)

    def edit(*changed: str):
        return can_edit(
            workflow,
            state="service_review",
            data=request_of(),
            actor=bob,
            creator_id=CREATOR_ID,
            changed_fields=changed,
        )

    assert edit("analytic_code") is None
    refusal = edit("analytic_code", "total_ht", "lines")
    assert refusal is not None
    assert refusal.reason == Reason.NOT_PERMITTED
    assert refusal.message == (
        "Can't edit when in Service review: lines, total_ht can't be changed in this state; "
        "editable fields are: analytic_code, justification."
    )


def test_who_may_create(alice, bob, root, stranger):
    assert can_create(None, stranger)
    assert can_create(["requester"], alice)
    assert not can_create(["requester"], bob)
    assert not can_create([], alice)
    assert can_create([], root)


@pytest.mark.parametrize(
    ("grant", "role", "scope", "matches"),
    [
        (Grant("daf"), "daf", None, True),
        (Grant("daf"), "daf", {"department": "IT"}, True),
        (Grant("service_manager", {"department": "IT"}), "service_manager", {"department": "IT"}, True),
        (Grant("service_manager", {"department": "IT"}), "service_manager", {"department": "OPS"}, False),
        (Grant("service_manager", {"department": "IT"}), "service_manager", {"department": None}, False),
        (Grant("service_manager", {"department": "IT"}), "service_manager", None, False),
        (Grant("service_manager", {}), "service_manager", {"department": "IT"}, True),
        (Grant("service_manager"), "daf", None, False),
        (Grant("daf"), None, None, False),
    ],
)
def test_grant_matches(grant, role, scope, matches):
    assert grant_matches(grant, role, scope) is matches

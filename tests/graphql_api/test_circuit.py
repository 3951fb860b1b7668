"""The purchase-request circuit end to end through the API, on both databases."""

import pytest


@pytest.mark.parametrize(
    ("total_ht", "state_after_submit"),
    [(499.99, "approved"), (500, "service_review"), (0, "approved")],
)
async def test_submit_approves_small_requests_at_once(circuit, total_ht, state_after_submit):
    document = await circuit.submitted(total_ht=total_ht)
    assert document["state"] == state_after_submit


async def test_automatic_approval_is_recorded_without_actor(circuit):
    document = await circuit.submitted(total_ht=120)
    steps = [(h["action"], h["actor"], h["fromState"], h["toState"]) for h in document["history"]]
    assert steps == [
        ("create", "alice", None, "draft"),
        ("submit", "alice", "draft", "service_review"),
        ("auto_approve", None, "service_review", "approved"),
    ]


@pytest.mark.parametrize(
    ("total_ht", "approvers", "final_state"),
    [
        (500, ["bob"], "approved"),
        (4999.99, ["bob"], "approved"),
        (5000, ["bob", "carol"], "approved"),
        (19999.99, ["bob", "carol"], "approved"),
        (20000, ["bob", "carol", "dave"], "approved"),
    ],
)
async def test_each_threshold_routes_to_the_right_approvers(circuit, total_ht, approvers, final_state):
    document = await circuit.submitted(total_ht=total_ht)
    states = []
    for approver in approvers:
        document = await circuit.approved_by(approver, document["id"])
        states.append(document["state"])
    assert states[-1] == final_state
    expected_path = {
        1: ["approved"],
        2: ["daf_review", "approved"],
        3: ["daf_review", "dg_review", "approved"],
    }[len(approvers)]
    assert states == expected_path


async def test_thresholds_one_cent_below_stop_early(circuit):
    daf_exact = await circuit.submitted(total_ht=5000)
    after_bob = await circuit.approved_by("bob", daf_exact["id"])
    assert after_bob["state"] == "daf_review"
    dg_exact = await circuit.submitted(total_ht=20000)
    await circuit.approved_by("bob", dg_exact["id"])
    after_carol = await circuit.approved_by("carol", dg_exact["id"])
    assert after_carol["state"] == "dg_review"


async def test_approval_queues_the_purchase_order_job(api, circuit):
    document = await circuit.submitted(total_ht=1500)
    await circuit.approved_by("bob", document["id"])
    body = await api("query($id: ID!) { document(id: $id) { jobs { action status attempts } } }",
                     {"id": document["id"]}, user="alice")
    assert body["data"]["document"]["jobs"] == [
        {"action": "generate_purchase_order", "status": "PENDING", "attempts": 0}
    ]


async def test_accounting_closes_an_ordered_request(circuit):
    document = await circuit.submitted(total_ht=100)
    ordered = await circuit.act("erin", document["id"], "order")
    assert ordered["document"]["state"] == "ordered"
    closed = await circuit.act("erin", document["id"], "close")
    assert closed["document"]["state"] == "closed"


@pytest.mark.parametrize("reviewer", ["bob"])
async def test_reject_needs_a_comment_and_ends_the_request(circuit, reviewer):
    document = await circuit.submitted(total_ht=800)
    refused = await circuit.act(reviewer, document["id"], "reject")
    assert refused["__typename"] == "ActionRefused"
    assert refused["reason"] == "COMMENT_REQUIRED"
    rejected = await circuit.act(reviewer, document["id"], "reject", comment="Budget frozen")
    assert rejected["document"]["state"] == "rejected"
    last = rejected["document"]["history"][-1]
    assert (last["actor"], last["action"], last["comment"]) == ("bob", "reject", "Budget frozen")
    assert rejected["document"]["availableActions"] == []


async def test_return_for_changes_sends_back_to_draft_for_the_requester(api, circuit):
    document = await circuit.submitted(total_ht=800)
    returned = await circuit.act("bob", document["id"], "return_for_changes", comment="Add a second quote")
    assert returned["document"]["state"] == "draft"
    body = await api("query($id: ID!) { document(id: $id) { availableActions { key } } }",
                     {"id": document["id"]}, user="alice")
    assert {a["key"] for a in body["data"]["document"]["availableActions"]} == {"submit", "withdraw"}
    resubmitted = await circuit.act("alice", document["id"], "submit")
    assert resubmitted["document"]["state"] == "service_review"


async def test_requester_may_withdraw_before_approval_only(circuit):
    pending = await circuit.submitted(total_ht=6000)
    withdrawn = await circuit.act("alice", pending["id"], "withdraw")
    assert withdrawn["document"]["state"] == "withdrawn"
    approved = await circuit.submitted(total_ht=100)
    refused = await circuit.act("alice", approved["id"], "withdraw")
    assert refused["reason"] == "NOT_AVAILABLE_IN_STATE"


async def test_only_the_requester_may_withdraw(circuit):
    document = await circuit.submitted(total_ht=800)
    refused = await circuit.act("bob", document["id"], "withdraw")
    assert refused["reason"] == "NOT_PERMITTED"


async def test_create_without_submit_stays_in_draft_with_a_gap_free_number(circuit):
    first = await circuit.create()
    second = await circuit.create()
    numbers = [first["document"]["number"], second["document"]["number"]]
    assert first["document"]["state"] == "draft"
    year = numbers[0].split("-")[1]
    assert numbers == [f"DA-{year}-00001", f"DA-{year}-00002"]


async def test_refused_creation_does_not_consume_a_number(circuit):
    invalid = await circuit.create(lines=[])
    assert invalid["__typename"] == "ValidationFailed"
    document = await circuit.submitted()
    assert document["number"].endswith("-00001")

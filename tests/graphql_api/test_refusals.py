"""Every refusal reason comes back as ActionRefused with a message that names the fix."""



from datetime import timedelta

import pytest

from models.tables import Organisation, Role, RoleAssignment
from models.viewers import issue_token

pytestmark = pytest.mark.usefixtures("demo")


async def test_unknown_action(circuit):
    document = await circuit.submitted(total_ht=800)
    refused = await circuit.act("bob", document["id"], "approuver")
    assert refused["reason"] == "UNKNOWN_ACTION"
    assert "approuver" in refused["message"]


async def test_action_not_available_in_state_lists_what_is(circuit):
    document = await circuit.create()
    refused = await circuit.act("alice", document["document"]["id"], "approve")
    assert refused["reason"] == "NOT_AVAILABLE_IN_STATE"
    assert "submit" in refused["message"]


async def test_automatic_steps_cannot_be_fired_by_hand(circuit):
    document = await circuit.submitted(total_ht=800)
    refused = await circuit.act("bob", document["id"], "auto_approve")
    assert refused["reason"] == "NOT_AVAILABLE_IN_STATE"


async def test_service_manager_of_another_department_cannot_act_or_see(api, circuit):
    """paula manages Operations: an IT request does not exist for her."""
    document = await circuit.submitted(total_ht=800)
    body = await api(
        'mutation($id: ID!) { transition(input: {id: $id, action: "approve"}) { __typename } }',
        {"id": document["id"]},
        user="paula",
    )
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert body["data"] is None
    seen = await api("query($id: ID!) { document(id: $id) { id } inbox { totalCount } }",
                     {"id": document["id"]}, user="paula")
    assert seen["data"] == {"document": None, "inbox": {"totalCount": 0}}
    bob = await api("{ inbox { totalCount edges { node { id } } } }", user="bob")
    assert bob["data"]["inbox"]["edges"] == [{"node": {"id": document["id"]}}]


async def test_service_manager_of_the_department_sees_operations_requests(api, circuit):
    document = await circuit.submitted(total_ht=800, department="OPS", analytic_code="OPS-GEN")
    paula = await api("{ inbox { edges { node { id availableActions { key } } } } }", user="paula")
    node = paula["data"]["inbox"]["edges"][0]["node"]
    assert node["id"] == document["id"]
    assert {a["key"] for a in node["availableActions"]} == {"approve", "reject", "return_for_changes"}


async def test_daf_cannot_act_at_service_review(circuit):
    document = await circuit.submitted(total_ht=800)
    refused = await circuit.act("carol", document["id"], "approve")
    assert refused["reason"] == "NOT_PERMITTED"
    assert "service_manager" in refused["message"]


async def test_requester_cannot_approve_own_request(api, circuit, demo):
    """bob is the IT service manager; his own IT request must go to someone else."""
    requester = await Role.select(Role.id).where((Role.organisation == demo) & (Role.key == "requester")).first()
    bob = (await api("{ viewer { username } }", user="bob"))
    assert bob["data"]["viewer"]["username"] == "bob"
    from piccolo.apps.user.tables import BaseUser

    bob_id = (await BaseUser.select(BaseUser.id).where(BaseUser.username == "bob").first())["id"]
    await RoleAssignment.insert(RoleAssignment(organisation=demo, user=bob_id, role=requester["id"],
                                               scope={"department": "IT"}))
    document = await circuit.submitted(user="bob", total_ht=800)
    refused = await circuit.act("bob", document["id"], "approve")
    assert refused["reason"] == "SELF_APPROVAL"
    inbox = await api("{ inbox { totalCount } }", user="bob")
    assert inbox["data"]["inbox"]["totalCount"] == 0


async def test_comment_required(circuit):
    document = await circuit.submitted(total_ht=800)
    refused = await circuit.act("bob", document["id"], "return_for_changes", comment="   ")
    assert refused["reason"] == "COMMENT_REQUIRED"


async def test_comment_over_the_limit_is_refused_as_too_long_and_changes_nothing(circuit):
    document = await circuit.submitted(total_ht=800)

    refused = await circuit.act("bob", document["id"], "reject", comment="x" * 5_001)
    after = await circuit.act("bob", document["id"], "approve", expected_version=document["version"])

    assert refused["reason"] == "COMMENT_TOO_LONG"
    assert "5,001 characters" in refused["message"] and "5,000" in refused["message"]
    assert after["__typename"] == "DocumentPayload"


async def test_quota_exceeded_refuses_submission_and_writes_nothing(api, circuit, demo):
    await Organisation.update({Organisation.flux_quota: 1}).where(Organisation.id == demo)
    await circuit.submitted(total_ht=800)
    refused = await circuit.create(submit=True, total_ht=900)
    assert refused["__typename"] == "ActionRefused"
    assert refused["reason"] == "QUOTA_EXCEEDED"
    listed = await api("{ documents { totalCount } }", user="alice")
    assert listed["data"]["documents"]["totalCount"] == 1


async def test_resubmission_is_not_billed_twice(api, circuit, demo):
    await Organisation.update({Organisation.flux_quota: 1}).where(Organisation.id == demo)
    document = await circuit.submitted(total_ht=800)
    await circuit.act("bob", document["id"], "return_for_changes", comment="Quote missing")
    again = await circuit.act("alice", document["id"], "submit")
    assert again["__typename"] == "DocumentPayload"


async def test_version_conflict_reports_the_current_version(circuit):
    document = await circuit.submitted(total_ht=800)
    stale = await circuit.act("bob", document["id"], "approve", expected_version=document["version"] - 1)
    assert stale["__typename"] == "VersionConflict"
    assert stale["currentVersion"] == document["version"]


async def test_expired_token_is_an_authentication_error(api, demo):
    from piccolo.apps.user.tables import BaseUser

    alice = (await BaseUser.select(BaseUser.id).where(BaseUser.username == "alice").first())["id"]
    token = await issue_token(organisation_id=demo, user_id=alice, lifetime=timedelta(seconds=-1))
    body = (await api.post("{ documents { totalCount } }", token=token)).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    viewer = (await api.post("{ viewer { username } }", token=token)).json()
    assert viewer["data"]["viewer"] is None


async def test_no_token_is_an_authentication_error_naming_the_header(api):
    body = (await api.post("{ inbox { totalCount } }")).json()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Authorization: Bearer" in error["message"]


async def test_wrong_password_is_a_login_failure_not_an_error(api):
    body = await api('mutation { login(username: "alice", password: "nope") { __typename } }')
    assert body["data"]["login"]["__typename"] == "LoginFailed"




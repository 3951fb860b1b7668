"""Tokens are stored hashed; delegations lend a role for their window only."""

from datetime import UTC, datetime, timedelta

import pytest
from piccolo.apps.user.tables import BaseUser

from models.tables import ApiToken, Delegation, Role
from models.viewers import hash_token, issue_token, viewer_for_token

pytestmark = pytest.mark.usefixtures("demo")


async def _user_id(username: str) -> int:
    return (await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first())["id"]


async def test_only_the_hash_of_a_token_is_stored(demo):
    token = await issue_token(organisation_id=demo, user_id=await _user_id("alice"), lifetime=timedelta(hours=1))
    stored = [row["token_hash"] for row in await ApiToken.select(ApiToken.token_hash)]
    assert token not in stored
    assert hash_token(token) in stored
    assert (await viewer_for_token(token)).username == "alice"


async def test_revoked_and_unknown_tokens_resolve_to_nobody(demo):
    token = await issue_token(organisation_id=demo, user_id=await _user_id("alice"), lifetime=timedelta(hours=1))
    await ApiToken.update({ApiToken.revoked: True}).where(ApiToken.token_hash == hash_token(token))
    assert await viewer_for_token(token) is None
    assert await viewer_for_token("pph_" + "x" * 43) is None
    assert await viewer_for_token("not-even-our-format") is None


async def _delegate(demo: int, starts: datetime, ends: datetime) -> None:
    role = await Role.select(Role.id).where((Role.organisation == demo) & (Role.key == "service_manager")).first()
    await Delegation.insert(
        Delegation(organisation=demo, from_user=await _user_id("bob"), to_user=await _user_id("erin"),
                   role=role["id"], starts_at=starts, ends_at=ends)
    )


async def test_delegate_acts_for_the_delegator_during_the_window(api, circuit, demo):
    now = datetime.now(UTC)
    await _delegate(demo, now - timedelta(hours=1), now + timedelta(days=7))
    document = await circuit.submitted(total_ht=800)
    inbox = await api("{ inbox { edges { node { id } } } }", user="erin")
    assert inbox["data"]["inbox"]["edges"] == [{"node": {"id": document["id"]}}]
    approved = await circuit.approved_by("erin", document["id"])
    assert approved["history"][-1]["actor"] == "erin"


async def test_expired_delegation_gives_nothing(api, circuit, demo):
    now = datetime.now(UTC)
    await _delegate(demo, now - timedelta(days=7), now - timedelta(days=1))
    await circuit.submitted(total_ht=800)
    inbox = await api("{ inbox { totalCount } }", user="erin")
    assert inbox["data"]["inbox"]["totalCount"] == 0

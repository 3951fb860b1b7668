"""Drafts of types never published: listed for the designer's picker, reopened, never across organisations."""

from datetime import timedelta

from piccolo.apps.user.tables import BaseUser

from models.tables import Membership, Organisation
from models.viewers import issue_token

DRAFTS = "{ documentTypeDrafts { key name updatedAt publishedVersion } }"
SAVE = "mutation($input: DraftInput!) { saveDraft(input: $input) { key saved } }"
REOPEN = "query($key: String!) { designerDraft(key: $key) { key saved name numberPrefix jsonSchema workflow } }"
SCHEMA = {"type": "object", "properties": {"title": {"type": "string", "title": "Title"}}}
WORKFLOW = {"initial": "draft", "states": {"draft": {"label": "Draft", "final": True}}, "transitions": []}


def new_type(key: str, name: str) -> dict:
    """A small definition of a type that has no published version."""
    return {"key": key, "name": name, "numberPrefix": "TR", "jsonSchema": SCHEMA, "workflow": WORKFLOW,
            "uiSchema": {"type": "VerticalLayout", "elements": [{"type": "Control", "scope": "#/properties/title"}]}}


async def other_organisation_admin() -> str:
    """An administrator of organisation "beta"; their API token."""
    organisation = Organisation(slug="beta", name="Beta Logistics SARL")
    await organisation.save()
    user = BaseUser(username="bart", password=BaseUser.hash_password("beta-secret"), email="bart@beta.example",
                    active=True)
    await user.save()
    await Membership.insert(Membership(organisation=organisation.id, user=user.id, display_name="Bart",
                                       is_admin=True))
    return await issue_token(organisation_id=organisation.id, user_id=user.id, lifetime=timedelta(hours=1))


async def test_a_new_types_draft_is_listed_and_reopens(api):
    saved = await api(SAVE, {"input": new_type("travel_request", "Travel request")}, user="admin")
    assert saved["data"]["saveDraft"] == {"key": "travel_request", "saved": True}

    listed = (await api(DRAFTS, user="admin"))["data"]["documentTypeDrafts"]
    assert [(d["key"], d["name"], d["publishedVersion"]) for d in listed] == [("travel_request", "Travel request", 0)]
    assert listed[0]["updatedAt"]
    published = (await api("{ documentTypes { key } }", user="admin"))["data"]["documentTypes"]
    assert "travel_request" not in [t["key"] for t in published]

    reopened = (await api(REOPEN, {"key": "travel_request"}, user="admin"))["data"]["designerDraft"]
    assert reopened == {"key": "travel_request", "saved": True, "name": "Travel request", "numberPrefix": "TR",
                        "jsonSchema": SCHEMA, "workflow": WORKFLOW}


async def test_a_published_types_draft_says_its_version(api):
    draft = (await api('{ designerDraft(key: "purchase_request") { key name category numberPrefix jsonSchema '
                       "uiSchema workflow permissions } }", user="admin"))["data"]["designerDraft"]
    await api(SAVE, {"input": draft}, user="admin")
    listed = (await api(DRAFTS, user="admin"))["data"]["documentTypeDrafts"]
    assert [(d["key"], d["publishedVersion"]) for d in listed] == [("purchase_request", 1)]


async def test_only_administrators_list_drafts(api):
    await api(SAVE, {"input": new_type("travel_request", "Travel request")}, user="admin")
    body = await api(DRAFTS, user="alice")
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_another_organisations_drafts_are_never_listed(api):
    beta = await other_organisation_admin()
    await api(SAVE, {"input": new_type("beta_secret", "Beta's secret type")}, token=beta)
    await api(SAVE, {"input": new_type("travel_request", "Beta travel")}, token=beta)
    await api(SAVE, {"input": new_type("travel_request", "Travel request")}, user="admin")

    ours = (await api(DRAFTS, user="admin"))["data"]["documentTypeDrafts"]
    assert [(d["key"], d["name"]) for d in ours] == [("travel_request", "Travel request")]
    assert (await api(REOPEN, {"key": "beta_secret"}, user="admin"))["data"]["designerDraft"] is None
    theirs = (await api(DRAFTS, token=beta))["data"]["documentTypeDrafts"]
    assert [(d["key"], d["name"]) for d in theirs] == [("beta_secret", "Beta's secret type"),
                                                      ("travel_request", "Beta travel")]

"""No request crosses organisations, and partner tokens see only their own documents, read-only."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from piccolo.apps.user.tables import BaseUser

from models.catalogs import ensure_catalog, put_entry
from models.tables import (
    Document,
    DocumentType,
    HistoryEntry,
    Membership,
    Organisation,
    Partner,
    Role,
    RoleAssignment,
)
from models.templates import install_template, read_template
from models.viewers import issue_token
from tests.circuit import CREATE, TRANSITION, UPDATE, request_data
from tests.conftest import TEMPLATES

SEEN = """query($id: ID!) {
  document(id: $id) { id }
  documents { totalCount edges { node { id number } } }
  inbox { totalCount }
  documentTypes { id key }
}"""


@dataclass(frozen=True)
class Tenant:
    id: int
    tokens: dict[str, str]


async def _second_organisation() -> Tenant:
    """Organisation "beta": its own roles, people, catalogs and purchase-request type."""
    organisation = Organisation(slug="beta", name="Beta Logistics SARL")
    await organisation.save()
    org = organisation.id
    roles = {}
    for key in ("requester", "service_manager", "daf", "dg", "accounting", "admin"):
        role = Role(organisation=org, key=key, label=key.title())
        await role.save()
        roles[key] = role.id
    people = {
        "bianca": ("requester", {"department": "IT"}, False),
        "boris": ("service_manager", {"department": "IT"}, False),
        "bart": ("admin", None, True),
    }
    tokens = {}
    for username, (role, scope, is_admin) in people.items():
        user = BaseUser(username=username, password=BaseUser.hash_password("beta-secret"),
                        email=f"{username}@beta.example", active=True)
        await user.save()
        await Membership.insert(Membership(organisation=org, user=user.id, display_name=username.title(),
                                           is_admin=is_admin))
        await RoleAssignment.insert(RoleAssignment(organisation=org, user=user.id, role=roles[role], scope=scope))
        tokens[username] = await issue_token(organisation_id=org, user_id=user.id, lifetime=timedelta(hours=1))
    for catalog, codes in {"departments": ["IT"], "suppliers": ["ZETA"], "analytic_codes": ["IT-HW"]}.items():
        catalog_id = await ensure_catalog(org, catalog, catalog.title())
        for code in codes:
            await put_entry(org, catalog_id, code, code)
    await install_template(org, TEMPLATES / "purchase_request")
    return Tenant(org, tokens)


@pytest.fixture
async def beta(demo) -> Tenant:
    return await _second_organisation()


async def _create(api, token: str, **data) -> dict:
    body = await api(CREATE, {"input": {"documentType": "purchase_request", "data": request_data(**data),
                                        "submit": True}}, token=token)
    result = body["data"]["createDocument"]
    assert result["__typename"] == "DocumentPayload", result
    return result["document"]


async def _snapshot(document_id: str) -> tuple:
    row = await Document.select(Document.state, Document.version, Document.data).where(
        Document.id == int(document_id)
    ).first()
    return row["state"], row["version"], row["data"], await HistoryEntry.count()


async def _assert_locked_out(api, document_id: str, version: int, token: str) -> None:
    """Transition and update are NOT_FOUND errors, and nothing changes."""
    before = await _snapshot(document_id)
    for query, variables in (
        (TRANSITION, {"input": {"id": document_id, "action": "approve"}}),
        (TRANSITION, {"input": {"id": document_id, "action": "withdraw"}}),
        (UPDATE, {"input": {"id": document_id, "expectedVersion": version, "data": request_data(title="X")}}),
    ):
        body = await api(query, variables, token=token)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", body
    assert await _snapshot(document_id) == before


async def test_other_organisation_sees_nothing_of_ours(api, circuit, beta):
    ours = await circuit.submitted(total_ht=800)
    for username in ("bianca", "boris", "bart"):
        body = await api(SEEN, {"id": ours["id"]}, token=beta.tokens[username])
        assert "errors" not in body, body
        assert body["data"]["document"] is None
        assert body["data"]["documents"] == {"totalCount": 0, "edges": []}
        assert body["data"]["inbox"] == {"totalCount": 0}


async def test_other_organisation_cannot_act_on_or_edit_our_documents(api, circuit, beta):
    submitted = await circuit.submitted(total_ht=800)
    draft = (await circuit.create())["document"]
    for username in ("boris", "bart"):
        await _assert_locked_out(api, submitted["id"], submitted["version"], beta.tokens[username])
        await _assert_locked_out(api, draft["id"], draft["version"], beta.tokens[username])


async def test_we_see_nothing_of_the_other_organisation(api, circuit, beta):
    theirs = await _create(api, beta.tokens["bianca"], supplier="ZETA", total_ht=800)
    assert theirs["number"].endswith("-00001")
    for username in ("alice", "bob", "admin"):
        body = await api(SEEN, {"id": theirs["id"]}, user=username)
        assert body["data"]["document"] is None
        assert body["data"]["documents"] == {"totalCount": 0, "edges": []}
        assert body["data"]["inbox"] == {"totalCount": 0}
    await _assert_locked_out(api, theirs["id"], theirs["version"], await api.token("bob"))
    await _assert_locked_out(api, theirs["id"], theirs["version"], await api.token("admin"))
    # their own service manager does see it
    inbox = await api("{ inbox { edges { node { id } } } }", token=beta.tokens["boris"])
    assert inbox["data"]["inbox"]["edges"] == [{"node": {"id": theirs["id"]}}]
    ours = await circuit.submitted(total_ht=800)
    assert ours["number"].endswith("-00001")  # numbering is per organisation


async def test_document_types_list_only_the_viewers_organisation(api, demo, beta):
    parts = read_template(TEMPLATES / "purchase_request")
    from models.document_types import publish

    meta = parts["type.json"]
    await publish(organisation_id=demo, key="supply_request", name="Supply request", category="purchasing",
                  number_prefix="SR", json_schema=parts["schema.json"], ui_schema=parts["ui.json"],
                  workflow=parts["workflow.json"], permissions=meta["permissions"])
    type_ids = {
        (row["organisation"], row["key"]): str(row["id"])
        for row in await DocumentType.select(DocumentType.id, DocumentType.organisation, DocumentType.key)
    }
    query = '{ documentTypes { id key } documentType(key: "supply_request") { id } }'
    theirs = await api(query, token=beta.tokens["bart"])
    assert theirs["data"]["documentTypes"] == [{"id": type_ids[(beta.id, "purchase_request")],
                                                "key": "purchase_request"}]
    assert theirs["data"]["documentType"] is None
    ours = await api(query, user="alice")
    keys = ["customer_invoice", "purchase_order", "purchase_request", "supply_request"]
    assert ours["data"]["documentTypes"] == [{"id": type_ids[(demo, key)], "key": key} for key in keys]


async def test_catalogs_do_not_cross_organisations(api, beta):
    body = await api(CREATE, {"input": {"documentType": "purchase_request", "data": request_data(supplier="ACME")}},
                     token=beta.tokens["bianca"])
    refused = body["data"]["createDocument"]
    assert refused["__typename"] == "ValidationFailed"
    assert [e["path"] for e in refused["errors"]] == ["/supplier"]


# --- partner tokens -------------------------------------------------------------------------


async def _partner_token(organisation_id: int, code: str) -> str:
    partner = await Partner.select(Partner.id).where(
        (Partner.organisation == organisation_id) & (Partner.code == code)
    ).first()
    return await issue_token(organisation_id=organisation_id, partner_id=partner["id"], lifetime=timedelta(hours=1))


async def test_partner_sees_only_its_own_documents(api, circuit, demo):
    acme = await circuit.submitted(total_ht=800, supplier="ACME")
    burotic = await circuit.submitted(total_ht=800, supplier="BUROTIC")
    acme_draft = (await circuit.create(supplier="ACME"))["document"]
    token = await _partner_token(demo, "ACME")
    body = await api(
        """query($mine: ID!, $other: ID!) {
          mine: document(id: $mine) { id availableActions { key } }
          other: document(id: $other) { id }
          documents { totalCount edges { node { id data availableActions { key } } } }
          inbox { totalCount }
          documentTypes { key }
          viewer { partner { name } }
        }""",
        {"mine": acme["id"], "other": burotic["id"]},
        token=token,
    )
    assert "errors" not in body, body
    data = body["data"]
    assert data["mine"] == {"id": acme["id"], "availableActions": []}
    assert data["other"] is None
    assert {edge["node"]["id"] for edge in data["documents"]["edges"]} == {acme["id"], acme_draft["id"]}
    assert data["documents"]["totalCount"] == 2
    assert all(edge["node"]["data"]["supplier"] == "ACME" for edge in data["documents"]["edges"])
    assert all(edge["node"]["availableActions"] == [] for edge in data["documents"]["edges"])
    assert data["inbox"] == {"totalCount": 0}
    assert data["documentTypes"] == []
    assert data["viewer"]["partner"]["name"] == "ACME Fournitures SAS"


async def test_partner_follows_a_change_of_supplier(api, circuit, demo):
    draft = (await circuit.create(supplier="BUROTIC"))["document"]
    token = await _partner_token(demo, "ACME")
    query = "query($id: ID!) { document(id: $id) { id } }"
    assert (await api(query, {"id": draft["id"]}, token=token))["data"]["document"] is None
    body = await api(UPDATE, {"input": {"id": draft["id"], "expectedVersion": draft["version"],
                                        "data": request_data(supplier="ACME")}}, user="alice")
    assert body["data"]["updateDocument"]["__typename"] == "DocumentPayload"
    assert (await api(query, {"id": draft["id"]}, token=token))["data"]["document"] == {"id": draft["id"]}


async def test_partner_token_is_read_only(api, circuit, demo):
    acme = await circuit.submitted(total_ht=800, supplier="ACME")
    draft = (await circuit.create(supplier="ACME"))["document"]
    burotic = await circuit.submitted(total_ht=800, supplier="BUROTIC")
    token = await _partner_token(demo, "ACME")
    documents_before = await Document.count()
    snapshots = {d["id"]: await _snapshot(d["id"]) for d in (acme, draft, burotic)}
    for query, variables, field in (
        (TRANSITION, {"input": {"id": acme["id"], "action": "approve"}}, "transition"),
        (TRANSITION, {"input": {"id": draft["id"], "action": "submit"}}, "transition"),
        (UPDATE, {"input": {"id": draft["id"], "expectedVersion": draft["version"],
                            "data": request_data(title="Partner edit")}}, "updateDocument"),
        (CREATE, {"input": {"documentType": "purchase_request", "data": request_data(), "submit": True}},
         "createDocument"),
    ):
        body = await api(query, variables, token=token)
        refused = body["data"][field]
        assert refused["__typename"] == "ActionRefused", refused
        assert refused["reason"] == "NOT_PERMITTED"
    other = await api(TRANSITION, {"input": {"id": burotic["id"], "action": "approve"}}, token=token)
    assert other["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await Document.count() == documents_before
    assert {d: await _snapshot(d) for d in snapshots} == snapshots

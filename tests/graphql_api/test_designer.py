"""The designer's API: drafts, the checker with positions, publishing, diffs, migrations."""

import copy

import pytest

from tests.circuit import CREATE, request_data

DRAFT = """query { designerDraft(key: "purchase_request") { key saved name category numberPrefix jsonSchema uiSchema
  workflow permissions } }"""
CHECK = "mutation($input: DraftInput!) { checkDefinition(input: $input) { where message } }"
SAVE = "mutation($input: DraftInput!) { saveDraft(input: $input) { saved } }"
PUBLISH = """mutation { publishDraft(key: "purchase_request") { __typename
  ... on Published { documentType { version } } ... on DefinitionRejected { problems { where message } } } }"""


def with_budget_review(draft: dict, condition: str) -> dict:
    """A required cost_center field and a budget_review step for requests of 1,000 and more."""
    schema, ui, workflow = copy.deepcopy(draft["jsonSchema"]), copy.deepcopy(draft["uiSchema"]), copy.deepcopy(
        draft["workflow"])
    schema["properties"]["cost_center"] = {"type": "string", "title": "Cost center", "minLength": 1}
    schema["required"] = [*schema["required"], "cost_center"]
    ui["elements"][0]["elements"].append({"type": "Control", "scope": "#/properties/cost_center"})
    workflow["states"]["budget_review"] = {"label": "Budget review", "assignees": [{"role": "daf"}]}
    transitions = workflow["transitions"]
    submit = next(i for i, t in enumerate(transitions) if t["action"] == "submit")
    transitions.insert(submit, {"action": "submit", "label": "Submit", "from": "draft", "to": "budget_review",
                                "by": "creator", "when": condition})
    transitions.append({"action": "approve", "label": "Approve budget", "from": "budget_review",
                        "to": "service_review"})
    return {"key": "purchase_request", "name": draft["name"], "category": draft["category"],
            "numberPrefix": draft["numberPrefix"], "jsonSchema": schema, "uiSchema": ui, "workflow": workflow,
            "permissions": draft["permissions"]}


async def test_admin_designs_checks_and_publishes_a_new_version(api, circuit):
    before = await circuit.submitted(total_ht=1500)
    draft = (await api(DRAFT, user="admin"))["data"]["designerDraft"]
    assert draft["saved"] is False and draft["key"] == "purchase_request"
    misspelled = with_budget_review(draft, "totl_ht >= 1000.0")
    problems = (await api(CHECK, {"input": misspelled}, user="admin"))["data"]["checkDefinition"]
    [problem] = problems
    assert problem["where"].startswith("workflow:/transitions/") and problem["where"].endswith("/when")
    assert "totl_ht" in problem["message"]
    await api(SAVE, {"input": misspelled}, user="admin")
    rejected = (await api(PUBLISH, user="admin"))["data"]["publishDraft"]
    assert rejected["__typename"] == "DefinitionRejected"
    fixed = with_budget_review(draft, "total_ht >= 1000.0")
    assert (await api(CHECK, {"input": fixed}, user="admin"))["data"]["checkDefinition"] == []
    assert (await api(SAVE, {"input": fixed}, user="admin"))["data"]["saveDraft"]["saved"] is True
    published = (await api(PUBLISH, user="admin"))["data"]["publishDraft"]
    assert published == {"__typename": "Published", "documentType": {"version": 2}}

    old = await api("query($id: ID!) { document(id: $id) { typeVersion state } }", {"id": before["id"]}, user="alice")
    assert old["data"]["document"] == {"typeVersion": 1, "state": "service_review"}
    missing = await api(CREATE, {"input": {"documentType": "purchase_request", "data": request_data(total_ht=1500),
                                           "submit": True}}, user="alice")
    assert [e["path"] for e in missing["data"]["createDocument"]["errors"]] == ["/cost_center"]
    new = await circuit.submitted(total_ht=1500, cost_center="CC-42")
    assert new["state"] == "budget_review"
    after_carol = await circuit.approved_by("carol", new["id"])
    assert after_carol["state"] == "service_review"

    diff = (await api('{ versionDiff(key: "purchase_request", fromVersion: 1, toVersion: 2) }',
                      user="admin"))["data"]["versionDiff"]
    assert "cost_center" in str(diff["fields"]["added"]) and "budget_review" in str(diff["states"]["added"])


async def test_migration_moves_chosen_documents_and_refuses_missing_states(api, circuit):
    draft_doc = (await circuit.create())["document"]
    withdrawn = await circuit.submitted(total_ht=900)
    await circuit.act("alice", withdrawn["id"], "withdraw")
    draft = (await api(DRAFT, user="admin"))["data"]["designerDraft"]
    workflow = copy.deepcopy(draft["workflow"])
    del workflow["states"]["withdrawn"]
    workflow["transitions"] = [t for t in workflow["transitions"] if t["to"] != "withdrawn"]
    await api(SAVE, {"input": {**{k: draft[k] for k in ("key", "name", "category", "numberPrefix", "jsonSchema",
                                                         "uiSchema", "permissions")}, "workflow": workflow}},
              user="admin")
    assert (await api(PUBLISH, user="admin"))["data"]["publishDraft"]["__typename"] == "Published"
    migrate = ('mutation($ids: [ID!]!) { migrateDocuments(key: "purchase_request", ids: $ids) '
               "{ documentId migrated message } }")
    body = await api(migrate, {"ids": [draft_doc["id"], withdrawn["id"]]}, user="admin")
    outcomes = body["data"]["migrateDocuments"]
    assert [(o["documentId"], o["migrated"]) for o in outcomes] == [(draft_doc["id"], True), (withdrawn["id"], False)]
    assert "withdrawn" in outcomes[1]["message"]
    moved = await api("query($id: ID!) { document(id: $id) { typeVersion history { action comment } } }",
                      {"id": draft_doc["id"]}, user="alice")
    document = moved["data"]["document"]
    assert document["typeVersion"] == 2
    assert document["history"][-1] == {"action": "migrate_version", "comment": "definition version 1 -> 2"}


@pytest.mark.parametrize("query", [DRAFT, '{ documentTypeVersions(key: "purchase_request") { version } }'])
async def test_only_administrators_use_the_designer(api, query):
    body = await api(query, user="alice")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_export_then_import_into_another_type_key_and_bpmn(api):
    exported = (await api('{ exportDocumentType(key: "purchase_request") }', user="admin"))["data"]
    document_type = exported["exportDocumentType"]
    assert document_type["key"] == "purchase_request" and "suppliers" in document_type["catalogs"]
    copy_of = {**document_type, "key": "purchase_request_copy", "number_prefix": "DAC"}
    imported = await api("mutation($e: JSON!) { importDocumentType(exported: $e) { __typename "
                         "... on Published { documentType { key version } } } }", {"e": copy_of}, user="admin")
    assert imported["data"]["importDocumentType"]["documentType"] == {"key": "purchase_request_copy", "version": 1}
    broken = await api("mutation($e: JSON!) { importDocumentType(exported: $e) { __typename } }",
                       {"e": {"format": "nonsense"}}, user="admin")
    assert broken["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    bpmn = (await api('{ exportBpmn(key: "purchase_request") }', user="admin"))["data"]["exportBpmn"]
    from lxml import etree

    root = etree.fromstring(bpmn.encode())
    assert etree.QName(root).localname == "definitions"
    assert root.xpath("//*[local-name()='process']/@id") == ["process_purchase_request"]
